ALTER TABLE article_search RESET (toast_tuple_target);
ALTER TABLE search_totals DROP COLUMN generation;
ALTER TABLE search_totals DROP COLUMN epoch;
DROP TABLE article_names;
