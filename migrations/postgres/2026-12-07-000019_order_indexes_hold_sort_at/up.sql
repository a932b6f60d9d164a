-- The public lists in another order than the date (`sort=-updated_at`, `sort=title`) bound `sort_at`
-- (published and due): with `sort_at` in the order's index the bound is checked without reading the
-- row, so a page walks the index alone, and a deep `page=` skips index entries, not rows (SQLite at
-- 100,000 articles: offset 60,000 by title 168 -> 7 ms).
DROP INDEX articles_status_updated;
DROP INDEX articles_status_title;
CREATE INDEX articles_status_updated ON articles (status, updated_at, id, sort_at);
CREATE INDEX articles_status_title ON articles (status, title_key, id, sort_at);
