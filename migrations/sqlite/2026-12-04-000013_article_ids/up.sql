-- The highest article id ever given (SQLite only: PostgreSQL's identity never goes back). SQLite's
-- rowid reuses the highest id once its row is deleted, and a deleted draft leaves no change behind
-- to remember it by; partners, revisions and the audit log key on ids, so none is given twice.
CREATE TABLE article_ids (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last BIGINT NOT NULL
);
INSERT INTO article_ids (id, last) VALUES (1, MAX(
    COALESCE((SELECT max(id) FROM articles), 0),
    COALESCE((SELECT max(article_id) FROM changes), 0)));
