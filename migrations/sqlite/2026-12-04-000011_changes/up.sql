-- The changes feed (GET /v1/changes): what a mirror of the public site must apply, in commit order.
-- Written in the transaction of the change, by writers that hold the one write lock, so that ids
-- are given in commit order and a reader never passes an id a slower writer will still commit.
-- AUTOINCREMENT: an id is never given twice, even once the newest rows are pruned.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    article_id BIGINT NOT NULL,
    slug TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX changes_at ON changes (at);

-- Publications whose time has not come: each becomes a change when it is due (the first reader of
-- the feed, or the first writer, after that time moves it), so no job has to run.
CREATE TABLE scheduled_changes (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL
);
CREATE INDEX scheduled_changes_due ON scheduled_changes (due_at);

-- The newest id pruned with the retention: a cursor before it has missed changes (410).
CREATE TABLE changes_pruned (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    through BIGINT NOT NULL
);
INSERT INTO changes_pruned (id, through) VALUES (1, 0);

-- What is public now enters the feed as created, oldest first; what is scheduled, when it is due.
INSERT INTO changes (kind, article_id, slug, at)
    SELECT 'created', id, slug, published_at FROM articles
    WHERE status = 'published' AND published_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
    ORDER BY published_at, id;
INSERT INTO scheduled_changes (article_id, kind, due_at)
    SELECT id, 'published', published_at FROM articles
    WHERE status = 'published' AND published_at > strftime('%Y-%m-%d %H:%M:%S', 'now');
