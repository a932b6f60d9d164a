DROP TABLE search_totals;
DROP TABLE search_terms;
DROP TABLE article_search;
