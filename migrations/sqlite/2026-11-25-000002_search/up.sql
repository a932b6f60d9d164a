-- Full-text index over the analysed text (kiosque's French analyser runs in Rust; this table indexes its
-- output, a space-separated list of folded stems). rowid = articles.id. `counted` is 1 while the
-- article is published (scheduled included): only those count in search_terms and search_totals.
CREATE VIRTUAL TABLE article_search USING fts5(title, lede, tags, body, counted UNINDEXED, tokenize = 'unicode61 remove_diacritics 0');
CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_search WHERE rowid = old.id;
END;
-- Document frequency of every analysed term (for BM25F and "similar" articles), kept by the writer.
CREATE TABLE search_terms (
    term TEXT PRIMARY KEY,
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
