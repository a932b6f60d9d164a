-- Each article's `similar` related cards, as last computed (`id score reason-letters` per card, `;`
-- between cards; up to 24, best first),
-- shared by every instance. A list is used while the article keeps the version it was computed for,
-- nobody marked it stale and it is younger than KIOSQUE_RELATED_MAX_AGE_SECS. A write on a public
-- article marks stale the lists of the articles its text finds (they may now rank it); bulk writers
-- (import, synthetic seed, reindex) mark every list stale. Computing a list costs 5-20 ms; reading it
-- is a primary-key lookup.
CREATE TABLE related_lists (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    cards TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    stale BOOLEAN NOT NULL DEFAULT FALSE
);
