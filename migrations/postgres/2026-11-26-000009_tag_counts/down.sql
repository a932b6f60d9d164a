ALTER TABLE article_names DROP COLUMN tag_ids;
DROP TABLE tag_counts;
