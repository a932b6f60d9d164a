-- Published articles per author (scheduled ones included), kept by the writer beside the tags' counts
-- (2026-11-26-000009): an author page's total and the authors' article counts counted every article
-- of the byline per request (18-23 ms for the busiest of 50 bylines at 100,000 articles, and the
-- whole archive for one page of authors). The authors an article was indexed with are kept beside
-- its names, so that a write can take them out of the counts again once its byline has changed.
CREATE TABLE author_counts (
    author_id BIGINT PRIMARY KEY,
    published BIGINT NOT NULL
);
ALTER TABLE article_names ADD COLUMN author_ids TEXT NOT NULL DEFAULT '';
UPDATE article_names SET author_ids = COALESCE(
    (SELECT string_agg(a.author_id::text, ' ') FROM article_authors a WHERE a.article_id = article_names.article_id), '');
INSERT INTO author_counts (author_id, published)
    SELECT a.author_id, count(*) FROM article_authors a JOIN article_search s ON s.article_id = a.article_id
    WHERE s.counted = 1 GROUP BY a.author_id;
