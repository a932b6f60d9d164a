DROP TABLE audit_log;
DROP TABLE article_revisions;
