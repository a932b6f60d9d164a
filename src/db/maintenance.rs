//! Upkeep the start-up and the CLI run: the start-up lock, whether a database is empty, and the
//! search index and counts rebuilt when incomplete.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::{articles, rubriques};
use super::{write_tx, AnyConnection, Db};
use crate::error::ApiError;

/// Serialises the start-up data of instances starting together (PostgreSQL: a transaction-scoped
/// advisory lock; SQLite: the write transaction already does).
pub fn start_up_lock(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(_) = conn {
        conn.batch_execute("SELECT pg_advisory_xact_lock(7270412)")?;
    }
    Ok(())
}

/// Whether the database holds no article and no rubrique (where the demo content may go).
pub fn is_empty(conn: &mut AnyConnection) -> QueryResult<bool> {
    let articles: i64 = articles::table.count().get_result(conn)?;
    let rubriques: i64 = rubriques::table.count().get_result(conn)?;
    Ok(articles == 0 && rubriques == 0)
}

/// Rebuilds the search index in one transaction; returns the number of articles indexed.
pub fn reindex(db: &Db) -> anyhow::Result<usize> {
    let mut conn = db.get()?;
    write_tx(&mut conn, |conn| {
        super::articles::rebuild_counts(conn)?;
        Ok(super::search::reindex_all(conn)?)
    })
    .map_err(|e| anyhow::anyhow!("reindex: {}", e.detail))
}

/// Rebuilds the search index when it does not hold every article or the names of every article (a
/// database from before the index or names, or one restored without them); recounts the published
/// articles per rubrique (cheap, and it mends counts an older version did not keep).
pub fn reindex_if_incomplete(conn: &mut AnyConnection) -> Result<(), ApiError> {
    super::articles::rebuild_counts(conn)?;
    let articles: i64 = articles::table.count().get_result(conn)?;
    let index = super::search::indexed_count(conn)?;
    if index.articles != articles || index.named != articles {
        let n = super::search::reindex_all(conn)?;
        tracing::info!(articles = n, "rebuilt the search index");
    }
    Ok(())
}

/// Writes a consistent copy of the database to `path`, while it serves: SQLite with `VACUUM INTO`
/// (one read transaction, so writes that commit meanwhile are in the copy entirely or not at all),
/// PostgreSQL with `pg_dump --format=custom` (one snapshot). `path` must not exist yet.
pub fn backup(db: &Db, url: &str, path: &std::path::Path) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!(
            "{} exists already: a backup never overwrites",
            path.display()
        );
    }
    match db.backend {
        super::Backend::Sqlite => {
            let target = path
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("the backup path is not UTF-8"))?;
            let mut conn = db.get()?;
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(target)
                .execute(&mut conn)?;
            Ok(())
        }
        super::Backend::Postgres => run_tool(
            "pg_dump",
            &[
                "--format=custom",
                "--no-owner",
                "--file",
                &path.to_string_lossy(),
                url,
            ],
        ),
    }
}

/// Replaces the database's content with a backup made by [`backup`]. SQLite: the file at the URL's
/// path is replaced (the server must be stopped); PostgreSQL: `pg_restore --clean --if-exists`
/// into the database the URL names.
pub fn restore(url: &str, path: &std::path::Path) -> anyhow::Result<()> {
    if !path.is_file() {
        anyhow::bail!("{} is not a backup file", path.display());
    }
    match super::Backend::from_url(url).map_err(anyhow::Error::msg)? {
        super::Backend::Sqlite => {
            let target = std::path::Path::new(super::sqlite_path(url));
            // The copy is written beside the database and renamed over it: a failed copy leaves
            // the database as it was.
            let partial = target.with_extension("restoring");
            std::fs::copy(path, &partial)?;
            for stale in ["-wal", "-shm"] {
                let mut side = target.as_os_str().to_owned();
                side.push(stale);
                let _ = std::fs::remove_file(side);
            }
            std::fs::rename(&partial, target)?;
            Ok(())
        }
        super::Backend::Postgres => run_tool(
            "pg_restore",
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                url,
                &path.to_string_lossy(),
            ],
        ),
    }
}

/// Runs a PostgreSQL client tool; its own message when it fails.
fn run_tool(tool: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .map_err(|e| {
            anyhow::anyhow!("cannot run {tool} ({e}): install the PostgreSQL client tools")
        })?;
    if !out.status.success() {
        anyhow::bail!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
