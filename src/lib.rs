//! kiosque: a headless news API for a French-language newspaper, on SQLite or PostgreSQL.

pub mod api;
pub mod auth;
pub mod config;
pub mod content;
pub mod db;
pub mod domain;
pub mod error;
pub mod import;
pub mod kept;
pub mod metrics;
pub mod middleware;
pub mod peers;
pub mod ratelimit;
pub mod startup;
pub mod state;
pub mod webhooks;

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), as text lines or, with
/// `KIOSQUE_LOG_FORMAT=json`, one JSON object per line (with the request's span, and so its
/// `request_id`, on every line written while serving it).
pub fn init_logging(format: config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        config::LogFormat::Text => builder.try_init(),
        config::LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
}
