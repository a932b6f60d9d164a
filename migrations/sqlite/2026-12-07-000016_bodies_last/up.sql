-- The articles' bodies move to the end of their rows. SQLite stores a row as one record: a column
-- after a body that overflows its page is reached by reading the body's overflow pages first, so a
-- list page (no bodies) read each article's three bodies to get at its status, dates and rubrique,
-- and one article read its source text and plain text to serve its HTML. Now every short column comes
-- first, then body_html (what a read serves), body_text, and the source, read only by writes.
-- Nothing else changes: same columns, same ids, same indexes and trigger. PostgreSQL keeps large
-- values out of the row (TOAST) and needs no such move.
-- With foreign keys on, DROP TABLE would first delete every row and cascade to the tables that
-- reference articles; they are turned off for the rebuild. Every id is copied, so every reference
-- still holds (the test of this migration checks with PRAGMA foreign_key_check). The rebuild needs
-- free disk for a second copy of the table while it runs.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE articles_rebuilt (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    kicker TEXT,
    lede TEXT,
    excerpt TEXT NOT NULL,
    excerpt_given BOOLEAN NOT NULL DEFAULT 0,
    body_format TEXT NOT NULL,
    status TEXT NOT NULL,
    published_at TIMESTAMP,
    sort_at TIMESTAMP NOT NULL,
    rubrique_id BIGINT NOT NULL REFERENCES rubriques(id),
    featured_image TEXT,
    source TEXT,
    location TEXT,
    language TEXT NOT NULL DEFAULT 'fr',
    word_count INTEGER NOT NULL DEFAULT 0,
    reading_time_minutes INTEGER NOT NULL DEFAULT 1,
    related_enabled BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO articles_rebuilt (id, slug, title, title_key, kicker, lede, excerpt, excerpt_given,
    body_format, status, published_at, sort_at, rubrique_id, featured_image, source, location,
    language, word_count, reading_time_minutes, related_enabled, version, created_at, updated_at,
    body_html, body_text, body)
SELECT id, slug, title, title_key, kicker, lede, excerpt, excerpt_given,
    body_format, status, published_at, sort_at, rubrique_id, featured_image, source, location,
    language, word_count, reading_time_minutes, related_enabled, version, created_at, updated_at,
    body_html, body_text, body
FROM articles ORDER BY id;
DROP TABLE articles;
ALTER TABLE articles_rebuilt RENAME TO articles;
CREATE INDEX articles_status_sort ON articles (status, sort_at, id);
CREATE INDEX articles_rubrique_sort ON articles (rubrique_id, status, sort_at, id);
CREATE INDEX articles_status_updated ON articles (status, updated_at, id);
CREATE INDEX articles_status_title ON articles (status, title_key, id);
CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_search WHERE rowid = old.id;
END;
COMMIT;
PRAGMA foreign_keys = ON;
