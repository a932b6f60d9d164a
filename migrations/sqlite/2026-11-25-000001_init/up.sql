-- kiosque schema, SQLite dialect. Keep in step with ../../postgres/2026-11-25-000001_init/up.sql.
CREATE TABLE rubriques (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id BIGINT REFERENCES rubriques(id),
    position INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rubriques_position ON rubriques (position, id);
CREATE INDEX rubriques_parent ON rubriques (parent_id);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    bio TEXT NOT NULL DEFAULT '',
    avatar_url TEXT,
    links TEXT NOT NULL DEFAULT '[]',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX authors_name_key ON authors (name_key, id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tags_name_key ON tags (name_key, id);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    kicker TEXT,
    lede TEXT,
    excerpt TEXT NOT NULL,
    excerpt_given BOOLEAN NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    body_format TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL,
    published_at TIMESTAMP,
    sort_at TIMESTAMP NOT NULL,
    rubrique_id BIGINT NOT NULL REFERENCES rubriques(id),
    featured_image TEXT,
    source TEXT,
    location TEXT,
    language TEXT NOT NULL DEFAULT 'fr',
    word_count INTEGER NOT NULL DEFAULT 0,
    reading_time_minutes INTEGER NOT NULL DEFAULT 1,
    related_enabled BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX articles_status_sort ON articles (status, sort_at, id);
CREATE INDEX articles_rubrique_sort ON articles (rubrique_id, status, sort_at, id);
CREATE INDEX articles_status_updated ON articles (status, updated_at, id);
CREATE INDEX articles_status_title ON articles (status, title_key, id);

CREATE TABLE article_authors (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES authors(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id, article_id);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id);

CREATE TABLE article_pins (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    related_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, related_id)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    author_id BIGINT REFERENCES authors(id) ON DELETE SET NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
