-- Full-text index over the analysed text (kiosque's French analyser runs in Rust; this table indexes its
-- output, a space-separated list of folded stems). rowid = articles.id.
CREATE VIRTUAL TABLE article_search USING fts5(title, lede, tags, body, tokenize = 'unicode61 remove_diacritics 0');
CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_search WHERE rowid = old.id;
END;
-- Document frequency of every analysed term (for BM25F and "similar" articles), kept by the writer.
CREATE TABLE search_terms (
    term TEXT PRIMARY KEY,
    df BIGINT NOT NULL
);
