//! The only place that knows SQLite from PostgreSQL: the pool, the blocking boundary, migrations, queries.

/// Runs the same statement with `?` (SQLite) or `$n` (PostgreSQL) placeholders and dynamic binds. On
/// SQLite the statement is prepared once per connection ([`Reused`]): its text must be one of a few,
/// so a statement whose text grows with its data (a `VALUES` list, an `IN` list of any length) starts
/// with `once:` and is prepared for this run only.
macro_rules! dyn_query {
    (once: $conn:expr, $sql:expr, $binds:expr, $ty:ty, $method:ident) => {
        dyn_query!(@run (|q| q), (|q| q), $conn, $sql, $binds, $ty, $method)
    };
    // Prepared once per connection on PostgreSQL too: for lookups by key, whose plan does not depend
    // on the values (see [`Reused`]).
    (prepared: $conn:expr, $sql:expr, $binds:expr, $ty:ty, $method:ident) => {
        dyn_query!(@run $crate::db::Reused, $crate::db::Reused, $conn, $sql, $binds, $ty, $method)
    };
    ($conn:expr, $sql:expr, $binds:expr, $ty:ty, $method:ident) => {
        dyn_query!(@run $crate::db::Reused, (|q| q), $conn, $sql, $binds, $ty, $method)
    };
    (@run $wrap:expr, $wrap_pg:expr, $conn:expr, $sql:expr, $binds:expr, $ty:ty, $method:ident) => {{
        let sql: &dyn Fn(bool) -> String = &$sql;
        match $conn {
            $crate::db::AnyConnection::Sqlite(c) => {
                let mut q = diesel::sql_query(sql(false)).into_boxed::<diesel::sqlite::Sqlite>();
                for b in $binds {
                    q = q.bind::<$ty, _>(b);
                }
                ($wrap)(q).$method(c)
            }
            $crate::db::AnyConnection::Postgresql(c) => {
                let mut q = diesel::sql_query(sql(true)).into_boxed::<diesel::pg::Pg>();
                for b in $binds {
                    q = q.bind::<$ty, _>(b);
                }
                ($wrap_pg)(q).$method(c)
            }
        }
    }};
}

/// Runs the same diesel statement on whichever connection `$conn` holds: for what the
/// MultiConnection cannot run itself, such as inserts of many rows at once.
macro_rules! on_each {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}

/// The rows of a statement whose `IN` list holds many keys, 400 keys per statement: `$sql` writes
/// the statement from the backend flag (true: PostgreSQL) and the list's placeholders; `$bind`
/// turns a key into what is bound as `$ty`. On SQLite each list is padded to one of a few lengths
/// ([`padded_len`]) by repeating its last key, so it keeps a few prepared statements per reader, not
/// one per list length.
macro_rules! load_in {
    ($conn:expr, $keys:expr, $bind:expr, $ty:ty, $sql:expr) => {{
        let mut rows = Vec::new();
        for chunk in $keys.chunks(400) {
            let mut keys: Vec<_> = chunk.iter().map($bind).collect();
            // Only SQLite keeps the statement; PostgreSQL would plan the longer list for nothing.
            if let (Some(last), $crate::db::AnyConnection::Sqlite(_)) =
                (keys.last().cloned(), &*$conn)
            {
                keys.resize($crate::db::padded_len(keys.len()), last);
            }
            let make: &dyn Fn(bool, String) -> String = &$sql;
            let sql = |pg: bool| make(pg, $crate::db::placeholders(pg, 1, keys.len()));
            rows.extend(dyn_query!($conn, sql, keys, $ty, load)?);
        }
        rows
    }};
}

/// The length an `IN` list of `n` keys is padded to (by repeating a key, which changes no answer):
/// the next power of two, at most 400 (the chunk size) unless `n` is larger.
pub(crate) fn padded_len(n: usize) -> usize {
    n.next_power_of_two().min(n.max(400))
}

/// `keys` sorted, without repeats, then padded (see [`padded_len`]): for a `Reused` `IN` list.
pub(crate) fn padded_keys(keys: &[i64]) -> Vec<i64> {
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys.dedup();
    if let Some(&last) = keys.last() {
        keys.resize(padded_len(keys.len()), last);
    }
    keys
}

/// `n` placeholders, numbered from `from` on PostgreSQL.
pub(crate) fn placeholders(pg: bool, from: usize, n: usize) -> String {
    (0..n)
        .map(|i| {
            if pg {
                format!("${}", from + i)
            } else {
                "?".to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The reads and the delete every named table (rubriques, authors, tags) has: `find` by id or slug,
/// `slug_taken` (by another row than `except`), `delete` by id.
macro_rules! named_table {
    ($table:ident, $row:ty) => {
        pub fn find(conn: &mut AnyConnection, key: &Key) -> QueryResult<Option<$row>> {
            let q = $table::table.select(<$row>::as_select()).into_boxed();
            let q = match key {
                Key::Id(id) => q.filter($table::id.eq(*id)),
                Key::Slug(s) => q.filter($table::slug.eq(s.clone())),
            };
            q.first(conn).optional()
        }

        pub fn slug_taken(
            conn: &mut AnyConnection,
            slug: &str,
            except: Option<i64>,
        ) -> QueryResult<bool> {
            let n: i64 = $table::table
                .filter($table::slug.eq(slug))
                .filter($table::id.ne(except.unwrap_or(-1)))
                .count()
                .get_result(conn)?;
            Ok(n > 0)
        }

        pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
            diesel::delete($table::table.filter($table::id.eq(id))).execute(conn)
        }
    };
}

pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod authors;
pub mod bulk;
pub mod changes;
pub mod idempotency;
pub mod imports;
pub mod links;
pub mod maintenance;
pub mod models;
pub mod peers;
pub mod redirects;
pub mod related;
pub mod replicas;
pub mod rubriques;
pub mod schema;
pub mod search;
pub mod sessions;
pub mod tags;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::ApiError;

/// One connection type over both databases; the variant is chosen from the URL scheme.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;

/// A raw SQL statement a SQLite connection prepares once and then reuses (diesel prepares a raw
/// statement again on every run, and SQLite's parser was 6 % of a list's profile). The statement cache
/// is keyed by the SQL text and never emptied, so the text must come from a small set: placeholders,
/// never values, in it, and `IN` lists padded to a few lengths ([`padded_len`]).
///
/// On PostgreSQL only for lookups by key (`dyn_query!(prepared: …)`): after five runs a prepared
/// statement may switch to a generic plan, blind to its parameters, and the ranking queries' best
/// plan depends on them (a related window of 1,200 ids is read by primary key in 4 ms; the generic
/// plan scans the GIN index in 6.4 ms), so those stay unnamed and are planned for their values each
/// time. A lookup by key has one plan whatever the key, and planning it is the larger part of its
/// cost: a page's links (three joined lookups) ran at 2,200 statements/s planned each time and
/// 10,500/s prepared (pgbench, 8 clients, this machine).
#[derive(Debug, Clone, Copy)]
pub struct Reused<Q>(pub Q);

impl<DB: diesel::backend::Backend, Q: diesel::query_builder::QueryFragment<DB>>
    diesel::query_builder::QueryFragment<DB> for Reused<Q>
{
    fn walk_ast<'b>(&'b self, pass: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> diesel::query_builder::QueryId for Reused<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Reused<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, C> RunQueryDsl<C> for Reused<Q> {}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

pub use crate::config::Backend;

/// The `status` column value of a published (or scheduled) article, as filters compare it.
pub const PUBLISHED: &str = crate::domain::Status::Published.stored();

/// The file path of a `sqlite://PATH` URL (`sqlite:///abs/path` is absolute).
pub(crate) fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Whether the last SQLite connection opened has the query planner stability guarantee (for tests).
pub static SQLITE_QPSG: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// Turns on SQLite's query planner stability guarantee (QPSG) for every connection this process opens
/// from now on. Without it, SQLite 3.53 plans a `LIMIT ?` with the bound value and marks the statement
/// to be compiled again whenever that parameter is bound again: every list query diesel keeps
/// prepared (`LIMIT ? OFFSET ?`) was recompiled on each run (`sqlite3Reprepare`, 8.6 % of a computed
/// list's profile). kiosque binds no LIKE pattern and keeps no `ANALYZE` statistics, the other uses of
/// bound values by the planner, so its plans do not change. There is no pragma for it, and diesel
/// gives no access to the connection handle: an auto-extension, which SQLite runs on each new
/// connection, sets it.
fn stable_sqlite_plans() {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_char, c_int};
    unsafe extern "C" fn enable(
        db: *mut ffi::sqlite3,
        _error: *mut *mut c_char,
        _api: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        let mut now: c_int = -1;
        // SAFETY: SQLite calls this with the connection it is opening; the variadic arguments are
        // the (int, int*) pair SQLITE_DBCONFIG_ENABLE_QPSG takes.
        unsafe {
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as c_int,
                &mut now as *mut c_int,
            );
        }
        SQLITE_QPSG.store(now, std::sync::atomic::Ordering::Relaxed);
        ffi::SQLITE_OK
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: registers a function with the signature SQLite calls extensions with.
        unsafe {
            ffi::sqlite3_auto_extension(Some(enable));
        }
    });
}

/// A PostgreSQL URL naming this machine's loopback (`127.0.0.1`, `localhost`, `[::1]`) as its only
/// host and no `sslmode` (nor `PGSSLMODE` in the environment) gets `sslmode=disable`: libpq's default (`prefer`) would encrypt every statement to a
/// server on the same machine, which protects nothing there (a slug read spent 8 % more on it). Any
/// other host, and any URL that names an `sslmode`, is left as it is.
pub fn plain_on_loopback(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return url.into();
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "::1");
    // Several hosts, or a host given in the query string, may name another machine; an sslmode from
    // the environment is the operator's choice.
    let elsewhere = authority.contains(',') || url.contains("host=") || url.contains("hostaddr=");
    let chosen = url.contains("sslmode=") || std::env::var_os("PGSSLMODE").is_some();
    if !loopback || elsewhere || chosen {
        return url.into();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}sslmode=disable").into()
}

/// An r2d2 manager that opens the variant named by the URL and prepares SQLite connections.
pub struct Manager {
    url: String,
    backend: Backend,
    /// SQLite's `mmap_size`, in bytes.
    sqlite_mmap: u64,
}

pub use crate::config::DEFAULT_SQLITE_MMAP_MB;

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&plain_on_loopback(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                // The usual cost for data on SSD or in memory. With the default (4, for spinning
                // disks) the planner ranks a broad search by reading every row of its id window
                // instead of intersecting the word's GIN posting list with the window: 45 ms
                // instead of 18 ms for a word in 11 % of 100,000 articles. A URL that sets it
                // (`?options=-c%20random_page_cost%3D2`) keeps its own.
                if !self.url.contains("random_page_cost") {
                    conn.batch_execute("SET random_page_cost = 1.1")
                        .map_err(r2d2::Error::QueryError)?;
                }
                Ok(AnyConnection::Postgresql(conn))
            }
            Backend::Sqlite => {
                stable_sqlite_plans();
                let mut conn = diesel::SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout first: the other pragmas may already need to wait for a lock.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                conn.batch_execute(&format!("PRAGMA mmap_size = {}", self.sqlite_mmap))
                    .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// Checked when a connection goes back to the pool. The pool does not test a connection when it
    /// hands it out (a `SELECT 1` round trip per request: on PostgreSQL one statement in three of an
    /// article read); [`checked`] tests one whose work failed, and it is dropped here if it no
    /// longer answers.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        // The flag is read (and cleared) first, whatever else says the connection is broken.
        let failed = BROKEN.with(|b| b.replace(false));
        failed || std::thread::panicking() || conn.is_broken()
    }
}

thread_local! {
    /// Set by [`checked`] when the connection it tested no longer answers, read by
    /// [`Manager::has_broken`] when that connection goes back to the pool, on the same thread.
    static BROKEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The outcome of work done on `conn`. When the work failed with a server error, the connection is
/// tested: if it no longer answers (the database restarted, went away, or dropped it), the failure is
/// a `503` with `Retry-After` rather than a `500`, and the connection is not given out again. After
/// a database restart each pooled connection thus fails one request, then is replaced.
fn checked<T>(conn: &mut AnyConnection, out: Result<T, ApiError>) -> Result<T, ApiError> {
    match out {
        Err(e) if e.status.is_server_error() => {
            if conn.batch_execute("SELECT 1").is_err() {
                BROKEN.with(|b| b.set(true));
                Err(ApiError::unavailable())
            } else {
                Err(e)
            }
        }
        out => out,
    }
}

/// The pool and the one blocking boundary every handler goes through.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    pub backend: Backend,
    /// Read-only copies for reads that tolerate lag ([`Db::run_read`]).
    pub replicas: Option<std::sync::Arc<replicas::Replicas>>,
}

impl Db {
    /// Opens a pool; fails with the database's own message when the first connection cannot be made.
    pub fn connect(url: &str, size: u32, timeout: Duration) -> anyhow::Result<Db> {
        Db::connect_mapped(url, size, timeout, DEFAULT_SQLITE_MMAP_MB)
    }

    /// The database the settings name, with `size` connections.
    pub fn for_config(config: &crate::config::Config, size: u32) -> anyhow::Result<Db> {
        Db::connect_mapped(
            &config.database_url,
            size,
            config.db_timeout,
            config.sqlite_mmap_mb,
        )
    }

    /// [`Db::connect`], each SQLite connection mapping up to `sqlite_mmap_mb` MiB of the file.
    pub fn connect_mapped(
        url: &str,
        size: u32,
        timeout: Duration,
        sqlite_mmap_mb: u64,
    ) -> anyhow::Result<Db> {
        let backend = Backend::from_url(url).map_err(anyhow::Error::msg)?;
        let manager = Manager {
            url: url.to_owned(),
            backend,
            sqlite_mmap: sqlite_mmap_mb << 20,
        };
        // Open one connection by hand first so the real error is reported, not r2d2's time-out.
        let mut probe = manager
            .connect()
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        manager
            .is_valid(&mut probe)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(timeout)
            .build(manager)?;
        Ok(Db {
            pool,
            backend,
            replicas: None,
        })
    }

    /// The same primary, with replicas for reads that tolerate lag.
    pub fn with_replicas(mut self, replicas: replicas::Replicas) -> Db {
        self.replicas = Some(std::sync::Arc::new(replicas));
        self
    }

    /// Applies the embedded migrations of this backend.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        let migrations = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        conn.run_pending_migrations(migrations)
            .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
        Ok(())
    }

    /// Open and idle connections of the pool.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }

    /// A connection for start-up work outside a request.
    /// A connection for work outside a request (the command line, start-up, maintenance), tested
    /// first: such work can run for minutes, and the pool tests no connection it hands out.
    pub fn get(&self) -> anyhow::Result<r2d2::PooledConnection<Manager>> {
        let mut conn = self.pool.get()?;
        if conn.batch_execute("SELECT 1").is_err() {
            BROKEN.with(|b| b.set(true));
            drop(conn);
            conn = self.pool.get()?;
        }
        Ok(conn)
    }

    /// Runs a read that tolerates lag (`lag_ok`: an anonymous reader's) on a replica when there is
    /// one that answers and this process knows of no write in the last moments; on the primary
    /// otherwise (see [`replicas`]).
    pub async fn run_read<F, T>(&self, lag_ok: bool, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let Some(replicas) = self.replicas.clone().filter(|_| lag_ok) else {
            return self.run(f).await;
        };
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = match replicas.get() {
                Some(c) => c,
                None => pool.get().map_err(|_| ApiError::unavailable())?,
            };
            let out = f(&mut conn);
            checked(&mut conn, out)
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Runs a short read, one whose statements each reach a bounded number of rows through an index
    /// (one article by key, a page of a column order), on the calling worker thread when the
    /// database is SQLite without replicas and a pooled connection is free at once; as
    /// [`Db::run_read`] otherwise.
    ///
    /// Why: such a read costs SQLite 20-100 µs of CPU on pages the kernel already holds (the file
    /// is memory-mapped), about what the hand-off to a blocking thread and back costs in context
    /// switches (11 % of a random slug's CPU at 100,000 articles). PostgreSQL reads wait on a
    /// socket, and searches or related computations run for milliseconds: those stay off the
    /// worker. A panic in `f` is a 500, as on the blocking pool.
    pub async fn run_read_short<F, T>(&self, lag_ok: bool, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if self.backend == Backend::Sqlite && self.replicas.is_none() {
            if let Some(mut conn) = self.pool.try_get() {
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut conn)))
                    .unwrap_or_else(|_| {
                        // What the panic left (an open statement or transaction) goes with the
                        // connection.
                        BROKEN.with(|b| b.set(true));
                        Err(ApiError::internal(anyhow::anyhow!("a read panicked")))
                    });
                return checked(&mut conn, out);
            }
        }
        self.run_read(lag_ok, f).await
    }

    /// Runs `f` with a pooled connection on actix's blocking thread pool.
    pub async fn run<F, T>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|_| ApiError::unavailable())?;
            let out = f(&mut conn);
            checked(&mut conn, out)
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }
}

/// Runs `f` in a write transaction. SQLite takes its write lock up front (BEGIN IMMEDIATE), so two
/// writers wait on the busy timeout instead of failing when a read transaction upgrades.
/// `f` must not open transactions of its own.
pub fn write_tx<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match conn {
        // Writers take one transaction-scoped advisory lock, as SQLite's single writer does: If-Match
        // checks, rubrique cycle checks, unique slugs and the search index's counters are then decided
        // one write at a time, on every instance sharing the database. Readers are never blocked.
        AnyConnection::Postgresql(_) => conn.transaction(|c| {
            c.batch_execute("SELECT pg_advisory_xact_lock(7270411)")?;
            f(c)
        }),
        AnyConnection::Sqlite(_) => {
            // A transaction left open by a panicked request must not poison this connection.
            let _ = conn.batch_execute("ROLLBACK");
            conn.batch_execute("BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(v) => {
                    conn.batch_execute("COMMIT")?;
                    Ok(v)
                }
                Err(e) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        }
    }
}

/// Now, truncated to whole seconds: SQLite stores timestamps as text, so every stored instant and every
/// bound compared with one has the same precision on both databases.
pub fn now() -> chrono::NaiveDateTime {
    crate::domain::to_seconds(chrono::Utc::now().naive_utc())
}

/// Database errors as the API answers them; the dialects' own messages stay here, in `db`.
impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found("resource"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict("a resource with this slug or e-mail already exists")
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::conflict("this resource is still referenced by others")
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::unavailable()
            }
            other if is_busy(&other) => ApiError::unavailable(),
            other => ApiError::internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

/// SQLite reports "database is locked" as an unknown error: map it to 503, not 500.
fn is_busy(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info) if info.message().contains("database is locked"))
}

#[cfg(test)]
mod tests {
    use super::plain_on_loopback as plain;

    #[test]
    fn each_sqlite_connection_maps_the_configured_share_of_the_file() {
        use diesel::connection::SimpleConnection;
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            mmap_size: i64,
        }
        let dir = std::env::temp_dir().join(format!("kiosque-mmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for mb in [0, 64, super::DEFAULT_SQLITE_MMAP_MB] {
            let url = format!("sqlite://{}/m{mb}.db", dir.display());
            let db =
                super::Db::connect_mapped(&url, 2, std::time::Duration::from_secs(5), mb).unwrap();
            // Two connections at once: the setting holds for each one the pool opens.
            let mut a = db.get().unwrap();
            let mut b = db.get().unwrap();
            a.batch_execute("CREATE TABLE IF NOT EXISTS t (x)").unwrap();
            for conn in [&mut *a, &mut *b] {
                let got: Size = diesel::sql_query("PRAGMA mmap_size")
                    .get_result(conn)
                    .unwrap();
                assert_eq!(got.mmap_size, (mb << 20) as i64, "{mb} MiB");
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn loopback_urls_without_an_sslmode_connect_without_tls() {
        assert_eq!(
            plain("postgres://k:p@127.0.0.1:5432/kiosque"),
            "postgres://k:p@127.0.0.1:5432/kiosque?sslmode=disable"
        );
        assert_eq!(
            plain("postgresql://localhost/k?options=-c%20x%3D1"),
            "postgresql://localhost/k?options=-c%20x%3D1&sslmode=disable"
        );
        assert_eq!(
            plain("postgres://u@[::1]:5432/k"),
            "postgres://u@[::1]:5432/k?sslmode=disable"
        );
        // Another host, or a mode the URL names, is left alone; so is a password holding a host.
        for kept in [
            "postgres://k@db.internal:5432/kiosque",
            "postgres://k@127.0.0.1/kiosque?sslmode=require",
            "postgres://k:127.0.0.1@10.0.0.5/kiosque",
            "postgres://127.0.0.10/kiosque",
            "postgres://k@localhost,db2.internal/kiosque",
            "postgres://k@localhost/kiosque?host=db.internal",
            "sqlite://kiosque.db",
        ] {
            assert_eq!(plain(kept), kept);
        }
    }
}
