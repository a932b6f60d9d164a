-- Full-text index over the analysed text (kiosque's French analyser runs in Rust; this table indexes its
-- output, a space-separated list of folded stems, with the 'simple' configuration so PostgreSQL adds no
-- stemming of its own). Title weighs A, lede and tags B, body C.
CREATE TABLE article_search (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    lede TEXT NOT NULL,
    tags TEXT NOT NULL,
    body TEXT NOT NULL,
    -- 1 while the article is published (scheduled included): only those count in the statistics.
    counted BIGINT NOT NULL DEFAULT 0,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', lede), 'B') ||
        setweight(to_tsvector('simple', tags), 'B') ||
        setweight(to_tsvector('simple', body), 'C')
    ) STORED
);
CREATE INDEX article_search_document ON article_search USING GIN (document);
-- Document frequency of every analysed term (for BM25F and "similar" articles), kept by the writer.
CREATE TABLE search_terms (
    term TEXT PRIMARY KEY COLLATE "C",
    df BIGINT NOT NULL
);
-- Corpus totals for BM25F (documents, terms per field), kept by the writer: one row.
CREATE TABLE search_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    docs BIGINT NOT NULL,
    title_terms BIGINT NOT NULL,
    lede_terms BIGINT NOT NULL,
    tags_terms BIGINT NOT NULL,
    body_terms BIGINT NOT NULL
);
INSERT INTO search_totals VALUES (1, 0, 0, 0, 0, 0);
