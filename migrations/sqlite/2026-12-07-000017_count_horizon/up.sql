-- article_counts held every published article, scheduled ones too, and a list's total subtracted the
-- scheduled ones not yet due, counted per request (1 % of the synthetic archive: 10,000 index entries
-- per list at 1,000,000 articles). Now it holds the published articles due by `counted_to`: the
-- writer moves the horizon forward (at every article write, and when a scheduled publication falls
-- due), and a total adds the few that fell due since.
CREATE TABLE count_horizon (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    counted_to TIMESTAMP NOT NULL
);
INSERT INTO count_horizon (id, counted_to) VALUES (1, strftime('%Y-%m-%d %H:%M:%S', 'now'));
DELETE FROM article_counts;
INSERT INTO article_counts (rubrique_id, published)
    SELECT rubrique_id, count(*) FROM articles
    WHERE status = 'published' AND sort_at <= (SELECT counted_to FROM count_horizon WHERE id = 1)
    GROUP BY rubrique_id;
