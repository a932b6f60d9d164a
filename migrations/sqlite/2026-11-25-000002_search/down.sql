DROP TABLE search_totals;
DROP TABLE search_terms;
DROP TRIGGER articles_search_delete;
DROP TABLE article_search;
