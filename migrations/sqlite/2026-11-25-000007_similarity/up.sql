-- Names (proper nouns) of each indexed article, as analysed terms: "similar" weighs them down, since
-- places and people cross topics (every other story mentions the capital).
CREATE TABLE article_names (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    names TEXT NOT NULL
);
-- A stamp of the statistics: `epoch` names this database, `generation` grows with every change of
-- search_terms, so a process may keep document frequencies in memory and know when they are stale.
ALTER TABLE search_totals ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE search_totals ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
UPDATE search_totals SET epoch = lower(hex(randomblob(16)));
