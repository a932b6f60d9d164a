//! kiosque: a headless news API for a French-language newspaper, on SQLite or PostgreSQL.

pub mod api;
pub mod auth;
pub mod config;
pub mod content;
pub mod db;
pub mod domain;
pub mod error;
pub mod kept;
pub mod metrics;
pub mod middleware;
pub mod ratelimit;
pub mod startup;
pub mod state;

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
