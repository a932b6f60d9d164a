//! Black-box HTTP tests: each case runs against a real server on port 0, once on SQLite and once on
//! PostgreSQL (when KIOSQUE_TEST_POSTGRES_URL is set), each on a fresh database.

mod helpers;

mod limits;

mod api_keys;
mod articles_read;
mod articles_write;
mod audit;
mod auth;
mod changes;
mod contract;
mod errors;
mod feeds;
mod idempotency;
mod import;
mod keys;
mod openapi;
mod operations;
mod peers;
mod related;
mod scale;
mod search;
mod security;
mod sessions;
mod structured_data;
mod synthetic;
mod taxonomies;
mod users;
mod webhooks;
