//! Typed settings from the environment (and `.env`). Secrets are never printed.

use std::net::SocketAddr;
use std::time::Duration;

/// How much of a SQLite file a connection maps by default (`KIOSQUE_SQLITE_MMAP_MB`): SQLite's
/// largest (2 GiB less 64 KiB), the whole file up to 200,000 articles or so. Read through the map, a
/// page costs no `pread` and no copy into SQLite's own cache: at 100,000 articles random slugs went
/// from 0.084-0.096x to 0.113-0.116x of `/health/live`, list pages +25-45 %, search 3x (2026-12-07,
/// `bench/drive.py`). The mapped pages are the kernel's page cache, shared and reclaimable, but they
/// count in each mapping connection's share of the process's RSS.
pub const DEFAULT_SQLITE_MMAP_MB: u64 = 2047;

/// Every setting kiosque reads. Built once in `main` (or by a test) and passed in, never global.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// PostgreSQL replicas for anonymous reads (`DATABASE_REPLICA_URLS`); empty: none.
    pub replica_urls: Vec<String>,
    /// After a write this process knows of, how long reads stay on the primary.
    pub replica_fresh: Duration,
    /// PostgreSQL: tell the other instances of writes and hear of theirs (LISTEN/NOTIFY).
    pub peers: bool,
    pub bind: SocketAddr,
    pub site_url: String,
    /// The newspaper's name, in feeds and news sitemaps.
    pub site_name: String,
    /// The HS256 secret; `None` means a random per-process one is generated (with a warning).
    pub jwt_secret: Option<Vec<u8>>,
    pub demo_content: bool,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub access_token_ttl: Duration,
    pub db_pool_size: u32,
    pub db_timeout: Duration,
    /// How much of a SQLite database file each connection reads through a memory map, in MiB (0: none).
    pub sqlite_mmap_mb: u64,
    pub workers: usize,
    /// Requests per minute per client address (0: off).
    pub rate_limit_anonymous: u32,
    /// Requests per minute per staff user (0: off).
    pub rate_limit_staff: u32,
    /// Log-in attempts per minute per account (five times as many per client address; 0: off).
    pub rate_limit_login: u32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Origins allowed to call the API from a browser (CORS); empty: none.
    pub cors_origins: Vec<String>,
    /// EdDSA or RS256 signing instead of HS256: the private and public key files (PEM).
    pub jwt_key_files: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// The key id written in tokens signed with the key files.
    pub jwt_kid: String,
    /// Earlier public keys still accepted while tokens signed with them live: `(kid, file)`.
    pub jwt_previous_keys: Vec<(String, std::path::PathBuf)>,
    /// How long a process answers an anonymous GET again from the response it last built (0: never).
    pub response_cache: Duration,
    /// How long a stored `similar` related list is used before it is computed again (0: computed on
    /// every request and never stored, the computation alone).
    pub related_max_age: Duration,
    /// How long a process keeps a public search's ranking for the same question (0: ranked on every
    /// request, the computation alone).
    pub search_cache: Duration,
    /// Article URLs in one sitemap: `/sitemap.xml` lists them all up to this many, and beyond is a
    /// sitemap index of `/sitemap.xml?page=N`, each this many at most (the protocol's limit, 50,000).
    pub sitemap_urls: i64,
    /// On SIGTERM or SIGINT: how long in-flight requests may take to finish before the workers stop.
    pub shutdown_timeout: Duration,
    /// Plain text lines, or one JSON object per line.
    pub log_format: LogFormat,
    /// How long the changes feed keeps a change; a cursor older than that is answered 410.
    pub changes_retention: Duration,
    /// Webhook deliveries: whether this instance runs the worker, and how it sends.
    pub webhooks: WebhookSettings,
}

/// How the webhook worker sends.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Run the delivery worker in this process (several instances may: each delivery goes to one).
    pub worker: bool,
    /// Deliver to loopback, private, link-local and metadata addresses too (tests, a LAN).
    pub allow_private: bool,
    /// The most one delivery attempt may take, connection included.
    pub timeout: Duration,
    /// The wait before the first retry; each retry waits twice the one before (at most 6 hours),
    /// give or take a quarter.
    pub retry_first: Duration,
    /// How long a delivery is retried before it is given up.
    pub retry_for: Duration,
    /// Failed attempts in a row after which a webhook is switched off.
    pub disable_after: i32,
}

/// How log lines are written to stderr (`KIOSQUE_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `text` (or unset) or `json`.
    pub fn parse(raw: Option<&str>) -> Result<LogFormat, String> {
        match raw.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!("KIOSQUE_LOG_FORMAT: `{other}` is not text or json")),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field(
                "replica_urls",
                &self
                    .replica_urls
                    .iter()
                    .map(|u| redact_url(u))
                    .collect::<Vec<_>>(),
            )
            .field("bind", &self.bind)
            .field("site_url", &self.site_url)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("demo_content", &self.demo_content)
            .finish_non_exhaustive()
    }
}

/// A database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// Reads the settings through `get` (the process environment in `main`, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://kiosque.db".into());
        let backend = Backend::from_url(&database_url).map_err(|e| format!("DATABASE_URL: {e}"))?;
        let replica_urls =
            parse_list("DATABASE_REPLICA_URLS", var("DATABASE_REPLICA_URLS"), |u| {
                match Backend::from_url(u) {
                    Ok(Backend::Postgres) => Ok(u.to_owned()),
                    _ => Err(format!("`{}` is not a postgres:// URL", redact_url(u))),
                }
            })?;
        if !replica_urls.is_empty() && backend != Backend::Postgres {
            return Err("DATABASE_REPLICA_URLS: replicas need a PostgreSQL DATABASE_URL".into());
        }
        let bind_raw = var("KIOSQUE_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind_raw.parse().map_err(|_| {
            format!("KIOSQUE_BIND: `{bind_raw}` is not an address such as 127.0.0.1:8080")
        })?;
        let site_url = var("KIOSQUE_SITE_URL")
            .unwrap_or_else(|| "http://localhost:8080".into())
            .trim_end_matches('/')
            .to_owned();
        if !(site_url.starts_with("http://") || site_url.starts_with("https://")) {
            return Err("KIOSQUE_SITE_URL must start with http:// or https://".into());
        }
        let site_name = var("KIOSQUE_SITE_NAME").unwrap_or_else(|| "Kiosque".into());
        let jwt_secret = match var("KIOSQUE_JWT_SECRET") {
            Some(s) if s.len() < 32 => {
                return Err("KIOSQUE_JWT_SECRET must be at least 32 bytes long".into())
            }
            Some(s) => Some(s.into_bytes()),
            None => None,
        };
        let jwt_key_files = match (var("KIOSQUE_JWT_PRIVATE_KEY_FILE"), var("KIOSQUE_JWT_PUBLIC_KEY_FILE")) {
            (Some(private), Some(public)) => Some((private.into(), public.into())),
            (None, None) => None,
            _ => {
                return Err(
                    "KIOSQUE_JWT_PRIVATE_KEY_FILE and KIOSQUE_JWT_PUBLIC_KEY_FILE go together: set both or neither".into()
                )
            }
        };
        let jwt_previous_keys = parse_list(
            "KIOSQUE_JWT_PREVIOUS_KEYS",
            var("KIOSQUE_JWT_PREVIOUS_KEYS"),
            |s| {
                s.split_once('=')
                    .filter(|(k, p)| !k.is_empty() && !p.is_empty())
                    .map(|(k, p)| (k.to_owned(), std::path::PathBuf::from(p)))
                    .ok_or_else(|| format!("`{s}` is not kid=path/to/public.pem"))
            },
        )?;
        let admin_email = var("KIOSQUE_ADMIN_EMAIL");
        let admin_password = var("KIOSQUE_ADMIN_PASSWORD");
        if admin_email.is_some() != admin_password.is_some() {
            return Err(
                "KIOSQUE_ADMIN_EMAIL and KIOSQUE_ADMIN_PASSWORD go together: set both or neither"
                    .into(),
            );
        }
        Ok(Config {
            database_url,
            replica_urls,
            peers: parse_bool("KIOSQUE_PEERS", var("KIOSQUE_PEERS"), true)?,
            replica_fresh: Duration::from_secs(parse_num(
                "KIOSQUE_REPLICA_FRESH_SECS",
                var("KIOSQUE_REPLICA_FRESH_SECS"),
                5,
                0..=300,
            )?),
            bind,
            site_url,
            site_name,
            jwt_secret,
            demo_content: parse_bool("KIOSQUE_DEMO_CONTENT", var("KIOSQUE_DEMO_CONTENT"), true)?,
            admin_email,
            admin_password,
            access_token_ttl: Duration::from_secs(parse_num(
                "KIOSQUE_ACCESS_TOKEN_TTL",
                var("KIOSQUE_ACCESS_TOKEN_TTL"),
                900,
                60..=900,
            )?),
            db_pool_size: parse_num(
                "KIOSQUE_DB_POOL_SIZE",
                var("KIOSQUE_DB_POOL_SIZE"),
                8,
                1..=256,
            )? as u32,
            db_timeout: Duration::from_secs(parse_num(
                "KIOSQUE_DB_TIMEOUT_SECS",
                var("KIOSQUE_DB_TIMEOUT_SECS"),
                5,
                1..=60,
            )?),
            sqlite_mmap_mb: parse_num(
                "KIOSQUE_SQLITE_MMAP_MB",
                var("KIOSQUE_SQLITE_MMAP_MB"),
                DEFAULT_SQLITE_MMAP_MB,
                0..=2047,
            )?,
            workers: parse_num("KIOSQUE_WORKERS", var("KIOSQUE_WORKERS"), 0, 0..=256)? as usize,
            response_cache: Duration::from_secs(parse_num(
                "KIOSQUE_RESPONSE_CACHE_SECS",
                var("KIOSQUE_RESPONSE_CACHE_SECS"),
                // Writes through any instance empty every instance's cache (`peers`): this bounds
                // only what no server announces (a scheduled article falling due, `kiosque import`).
                10,
                0..=60,
            )?),
            related_max_age: Duration::from_secs(parse_num(
                "KIOSQUE_RELATED_MAX_AGE_SECS",
                var("KIOSQUE_RELATED_MAX_AGE_SECS"),
                // Writes mark the lists they may change stale; this bounds what no write announces
                // (a scheduled article falling due, rarities drifting as the archive grows).
                86_400,
                0..=31_536_000,
            )?),
            search_cache: Duration::from_secs(parse_num(
                "KIOSQUE_SEARCH_CACHE_SECS",
                var("KIOSQUE_SEARCH_CACHE_SECS"),
                // Each entry holds its statistics' generation, which any indexing write moves on every
                // instance: this bounds only what moves none (a scheduled article falling due).
                60,
                0..=3600,
            )?),
            sitemap_urls: parse_num(
                "KIOSQUE_SITEMAP_URLS",
                var("KIOSQUE_SITEMAP_URLS"),
                50_000,
                1..=50_000,
            )? as i64,
            shutdown_timeout: Duration::from_secs(parse_num(
                "KIOSQUE_SHUTDOWN_TIMEOUT_SECS",
                var("KIOSQUE_SHUTDOWN_TIMEOUT_SECS"),
                30,
                0..=3600,
            )?),
            log_format: LogFormat::parse(var("KIOSQUE_LOG_FORMAT").as_deref())?,
            webhooks: WebhookSettings {
                worker: parse_bool(
                    "KIOSQUE_WEBHOOK_WORKER",
                    var("KIOSQUE_WEBHOOK_WORKER"),
                    true,
                )?,
                allow_private: parse_bool(
                    "KIOSQUE_WEBHOOK_ALLOW_PRIVATE",
                    var("KIOSQUE_WEBHOOK_ALLOW_PRIVATE"),
                    false,
                )?,
                timeout: Duration::from_secs(parse_num(
                    "KIOSQUE_WEBHOOK_TIMEOUT_SECS",
                    var("KIOSQUE_WEBHOOK_TIMEOUT_SECS"),
                    10,
                    1..=120,
                )?),
                retry_first: Duration::from_millis(parse_num(
                    "KIOSQUE_WEBHOOK_RETRY_MS",
                    var("KIOSQUE_WEBHOOK_RETRY_MS"),
                    30_000,
                    10..=3_600_000,
                )?),
                retry_for: Duration::from_secs(parse_num(
                    "KIOSQUE_WEBHOOK_RETRY_FOR_SECS",
                    var("KIOSQUE_WEBHOOK_RETRY_FOR_SECS"),
                    86_400,
                    1..=604_800,
                )?),
                disable_after: parse_num(
                    "KIOSQUE_WEBHOOK_DISABLE_AFTER",
                    var("KIOSQUE_WEBHOOK_DISABLE_AFTER"),
                    20,
                    1..=10_000,
                )? as i32,
            },
            changes_retention: Duration::from_secs(
                86_400
                    * parse_num(
                        "KIOSQUE_CHANGES_RETENTION_DAYS",
                        var("KIOSQUE_CHANGES_RETENTION_DAYS"),
                        90,
                        1..=3650,
                    )?,
            ),
            rate_limit_anonymous: parse_num(
                "KIOSQUE_RATE_LIMIT_ANONYMOUS",
                var("KIOSQUE_RATE_LIMIT_ANONYMOUS"),
                300,
                0..=1_000_000,
            )? as u32,
            rate_limit_staff: parse_num(
                "KIOSQUE_RATE_LIMIT_STAFF",
                var("KIOSQUE_RATE_LIMIT_STAFF"),
                1200,
                0..=1_000_000,
            )? as u32,
            rate_limit_login: parse_num(
                "KIOSQUE_RATE_LIMIT_LOGIN",
                var("KIOSQUE_RATE_LIMIT_LOGIN"),
                10,
                0..=10_000,
            )? as u32,
            trusted_proxies: parse_list(
                "KIOSQUE_TRUSTED_PROXIES",
                var("KIOSQUE_TRUSTED_PROXIES"),
                |s| s.parse().map_err(|_| format!("`{s}` is not an IP address")),
            )?,
            jwt_key_files,
            jwt_kid: var("KIOSQUE_JWT_KID").unwrap_or_else(|| "k1".into()),
            jwt_previous_keys,
            cors_origins: parse_list("KIOSQUE_CORS_ORIGINS", var("KIOSQUE_CORS_ORIGINS"), |s| {
                let ok = (s.starts_with("https://") || s.starts_with("http://"))
                    && !s.ends_with('/')
                    && s != "*";
                if ok {
                    Ok(s.to_owned())
                } else {
                    Err(format!(
                        "`{s}` is not an origin such as https://www.example.org"
                    ))
                }
            })?,
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Config, String> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }
}

fn parse_list<T>(
    name: &str,
    raw: Option<String>,
    item: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| item(s).map_err(|e| format!("{name}: {e}")))
        .collect()
}

fn parse_bool(name: &str, raw: Option<String>, default: bool) -> Result<bool, String> {
    match raw.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(format!("{name}: `{other}` is not true or false")),
    }
}

fn parse_num(
    name: &str,
    raw: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, String> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "{name}: `{raw}` is not a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Chooses the backend from the URL scheme (never by trial: a SQLite "URL" accepts any path).
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err("DATABASE_URL must start with sqlite:// or postgres://".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|n| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost() {
        let c = with(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://kiosque.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.demo_content);
        assert!(c.peers);
        assert!(c.jwt_secret.is_none());
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
        assert_eq!(c.sqlite_mmap_mb, 2047);
        assert_eq!(c.search_cache, Duration::from_secs(60));
        assert_eq!(c.sitemap_urls, 50_000);
        let c = with(&[
            ("KIOSQUE_LOG_FORMAT", "json"),
            ("KIOSQUE_SHUTDOWN_TIMEOUT_SECS", "0"),
        ])
        .unwrap();
        assert_eq!(
            (c.log_format, c.shutdown_timeout),
            (LogFormat::Json, Duration::ZERO)
        );
    }

    #[test]
    fn bad_settings_are_one_clear_line() {
        assert!(with(&[("DATABASE_URL", "mysql://x")])
            .unwrap_err()
            .contains("DATABASE_URL"));
        assert!(with(&[("KIOSQUE_BIND", "nope")])
            .unwrap_err()
            .contains("KIOSQUE_BIND"));
        assert!(with(&[("KIOSQUE_JWT_SECRET", "short")])
            .unwrap_err()
            .contains("32 bytes"));
        assert!(with(&[("KIOSQUE_DEMO_CONTENT", "maybe")])
            .unwrap_err()
            .contains("KIOSQUE_DEMO_CONTENT"));
        assert!(with(&[("KIOSQUE_ADMIN_EMAIL", "a@b.c")])
            .unwrap_err()
            .contains("go together"));
        assert!(with(&[("KIOSQUE_LOG_FORMAT", "xml")])
            .unwrap_err()
            .contains("KIOSQUE_LOG_FORMAT"));
        assert!(with(&[("KIOSQUE_SHUTDOWN_TIMEOUT_SECS", "-1")])
            .unwrap_err()
            .contains("KIOSQUE_SHUTDOWN_TIMEOUT_SECS"));
        assert!(with(&[("KIOSQUE_SITEMAP_URLS", "50001")])
            .unwrap_err()
            .contains("KIOSQUE_SITEMAP_URLS"));
        assert!(with(&[("KIOSQUE_SITEMAP_URLS", "0")]).is_err());
        assert!(with(&[("KIOSQUE_SEARCH_CACHE_SECS", "3601")])
            .unwrap_err()
            .contains("KIOSQUE_SEARCH_CACHE_SECS"));
        // Past SQLite's own limit (2 GiB less 64 KiB), which it would lower without a word.
        assert!(with(&[("KIOSQUE_SQLITE_MMAP_MB", "4096")])
            .unwrap_err()
            .contains("KIOSQUE_SQLITE_MMAP_MB"));
        assert_eq!(
            with(&[("KIOSQUE_SQLITE_MMAP_MB", "0")])
                .unwrap()
                .sqlite_mmap_mb,
            0
        );
    }

    #[test]
    fn replicas_are_postgresql_urls_beside_a_postgresql_primary() {
        let pg = ("DATABASE_URL", "postgres://u@h/db");
        let c = with(&[
            pg,
            (
                "DATABASE_REPLICA_URLS",
                "postgres://u@r1/db, postgres://u@r2/db",
            ),
        ])
        .unwrap();
        assert_eq!(c.replica_urls, ["postgres://u@r1/db", "postgres://u@r2/db"]);
        assert_eq!(c.replica_fresh, Duration::from_secs(5));
        assert!(with(&[("DATABASE_REPLICA_URLS", "postgres://u@r1/db")])
            .unwrap_err()
            .contains("need a PostgreSQL DATABASE_URL"));
        let e = with(&[pg, ("DATABASE_REPLICA_URLS", "sqlite://copy.db")]).unwrap_err();
        assert!(e.starts_with("DATABASE_REPLICA_URLS:"), "{e}");
        let secret = with(&[pg, ("DATABASE_REPLICA_URLS", "mysql://u:pw@r/db")]).unwrap_err();
        assert!(!secret.contains("pw"), "{secret}");
        assert!(with(&[pg, ("KIOSQUE_REPLICA_FRESH_SECS", "301")]).is_err());
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
    }
}
