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

/// Rebuilds the search index when it does not hold every article, the names of every article, or
/// any word family (a database from before the index, names or families, or one restored without
/// them); recounts the
/// published articles per rubrique (cheap, and it mends counts an older version did not keep).
pub fn reindex_if_incomplete(conn: &mut AnyConnection) -> Result<(), ApiError> {
    super::articles::rebuild_counts(conn)?;
    let articles: i64 = articles::table.count().get_result(conn)?;
    let index = super::search::indexed_count(conn)?;
    let published: i64 = articles::table
        .filter(articles::status.eq(super::PUBLISHED))
        .count()
        .get_result(conn)?;
    if index.articles != articles || index.named != articles || (published > 0 && !index.families) {
        let n = super::search::reindex_all(conn)?;
        tracing::info!(articles = n, "rebuilt the search index");
    }
    Ok(())
}
