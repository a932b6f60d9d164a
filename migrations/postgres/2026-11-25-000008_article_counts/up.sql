-- Published articles per rubrique (scheduled ones included: they are stored published with a future
-- sort_at), kept by the writer in the article's transaction: a list's total is then a sum over the
-- rubriques less the few scheduled ones not yet due, instead of a count over every published article.
CREATE TABLE article_counts (
    rubrique_id BIGINT PRIMARY KEY,
    published BIGINT NOT NULL
);
INSERT INTO article_counts (rubrique_id, published)
    SELECT rubrique_id, count(*) FROM articles WHERE status = 'published' GROUP BY rubrique_id;
