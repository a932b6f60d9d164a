DROP TABLE redirects;
DROP TABLE imported;
