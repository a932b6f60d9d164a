ALTER TABLE users DROP COLUMN session_generation;
DROP TABLE refresh_tokens;
