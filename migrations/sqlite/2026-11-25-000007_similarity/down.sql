ALTER TABLE search_totals DROP COLUMN generation;
ALTER TABLE search_totals DROP COLUMN epoch;
DROP TABLE article_names;
