DROP TABLE count_horizon;
DELETE FROM article_counts;
INSERT INTO article_counts (rubrique_id, published)
    SELECT rubrique_id, count(*) FROM articles WHERE status = 'published' GROUP BY rubrique_id;
