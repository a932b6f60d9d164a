-- What an import brought in, keyed on the source's own ids (a WordPress post id, term id or author
-- login), so that importing the same export again creates nothing twice. `stamp` is the source's
-- modification time at the last import: an item whose stamp has not moved is left alone.
CREATE TABLE imported (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    local_id BIGINT NOT NULL,
    stamp TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, kind, external_id)
);

-- Old URLs (normalised: lower case, decoded, with a trailing slash) and what they now name: exactly
-- one of the four targets. A target's deletion takes its redirects with it.
CREATE TABLE redirects (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    article_id BIGINT REFERENCES articles(id) ON DELETE CASCADE,
    rubrique_id BIGINT REFERENCES rubriques(id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES authors(id) ON DELETE CASCADE,
    tag_id BIGINT REFERENCES tags(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((article_id IS NOT NULL) + (rubrique_id IS NOT NULL) + (author_id IS NOT NULL) + (tag_id IS NOT NULL) = 1)
);
CREATE INDEX redirects_article ON redirects (article_id) WHERE article_id IS NOT NULL;
CREATE INDEX redirects_rubrique ON redirects (rubrique_id) WHERE rubrique_id IS NOT NULL;
CREATE INDEX redirects_author ON redirects (author_id) WHERE author_id IS NOT NULL;
CREATE INDEX redirects_tag ON redirects (tag_id) WHERE tag_id IS NOT NULL;
