DROP TABLE article_ids;
