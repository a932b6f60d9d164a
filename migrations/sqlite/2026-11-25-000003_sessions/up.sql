-- Refresh tokens: opaque, stored as SHA-256 hashes, rotated on every use; a family is one log-in session.
CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
-- Bumped by a password, role or account change: access tokens carry the generation they were issued in.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
