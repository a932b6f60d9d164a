ALTER TABLE article_names DROP COLUMN author_ids;
DROP TABLE author_counts;
