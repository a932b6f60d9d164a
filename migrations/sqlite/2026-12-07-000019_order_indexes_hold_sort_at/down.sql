DROP INDEX articles_status_updated;
DROP INDEX articles_status_title;
CREATE INDEX articles_status_updated ON articles (status, updated_at, id);
CREATE INDEX articles_status_title ON articles (status, title_key, id);
