ALTER TABLE users DROP COLUMN sessions_valid_after;
DROP TABLE refresh_tokens;
