//! A bulk load of new articles (the synthetic seed): many rows per statement, one transaction per
//! batch, and the search statistics and rubrique counts added once per batch instead of once per
//! article, so that a load stopped half-way leaves whole batches, each counted. What is stored is what the API's own create stores, so a loaded article reads, lists,
//! searches and relates like any other.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::articles::{add_published, horizon, insert_many, sweep, ArticleWrite};
use super::changes::Kind;
use super::schema::{article_authors, article_tags, changes, scheduled_changes};
use super::search::{insert_entries, Entry, Rebuilt};
use super::AnyConnection;

/// One new article: what its create would store, its links, and its index entry.
pub struct NewArticle {
    pub write: ArticleWrite,
    pub author_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    pub entry: Entry,
}

/// Writes a batch of new articles with these ids, in the caller's transaction (which holds the
/// write lock: the ids come from [`super::articles::take_ids`] in it). Published ones
/// enter the changes feed as `created`; scheduled ones wait for their time like any other. The
/// webhooks are not told: a load is not news.
pub fn insert(
    conn: &mut AnyConnection,
    ids: &[i64],
    batch: &[NewArticle],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let rows: Vec<(i64, &ArticleWrite)> = ids
        .iter()
        .copied()
        .zip(batch.iter().map(|a| &a.write))
        .collect();
    insert_many(conn, &rows, now)?;
    let bylines: Vec<_> = ids
        .iter()
        .zip(batch)
        .flat_map(|(id, a)| {
            a.author_ids.iter().enumerate().map(move |(pos, author)| {
                (
                    article_authors::article_id.eq(*id),
                    article_authors::author_id.eq(*author),
                    article_authors::position.eq(pos as i32),
                )
            })
        })
        .collect();
    let tagged: Vec<_> = ids
        .iter()
        .zip(batch)
        .flat_map(|(id, a)| {
            a.tag_ids.iter().map(move |tag| {
                (
                    article_tags::article_id.eq(*id),
                    article_tags::tag_id.eq(*tag),
                )
            })
        })
        .collect();
    let mut feed = Vec::new();
    let mut waiting = Vec::new();
    for (id, a) in ids.iter().zip(batch) {
        if a.write.status.stored() != super::PUBLISHED {
            continue;
        }
        match a.write.published_at {
            Some(at) if at > now => waiting.push((
                scheduled_changes::article_id.eq(*id),
                scheduled_changes::kind.eq(Kind::Published.stored()),
                scheduled_changes::due_at.eq(at),
            )),
            _ => feed.push((
                changes::kind.eq(Kind::Created.stored()),
                changes::article_id.eq(*id),
                changes::slug.eq(&a.write.slug),
                changes::at.eq(now),
            )),
        }
    }
    // Bind limits: SQLite allows 32,766 values per statement, PostgreSQL 65,535.
    for chunk in bylines.chunks(2000) {
        on_each!(conn, |c| diesel::insert_into(article_authors::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    for chunk in tagged.chunks(2000) {
        on_each!(conn, |c| diesel::insert_into(article_tags::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    for chunk in feed.chunks(2000) {
        on_each!(conn, |c| diesel::insert_into(changes::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    for chunk in waiting.chunks(2000) {
        on_each!(conn, |c| diesel::insert_into(scheduled_changes::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    let entries: Vec<(i64, &Entry)> = ids
        .iter()
        .copied()
        .zip(batch.iter().map(|a| &a.entry))
        .collect();
    let mut stats = Rebuilt::default();
    insert_entries(conn, &entries, &mut stats)?;
    super::search::add_rebuilt(conn, stats, false)?;
    // The counts hold the published articles due by their horizon, moved to now first; scheduled
    // ones enter when it passes them.
    sweep(conn, now)?;
    let counted_to = horizon(conn)?;
    let mut published: BTreeMap<i64, i64> = BTreeMap::new();
    for a in batch.iter().filter(|a| {
        a.write.status.stored() == super::PUBLISHED
            && a.write.published_at.unwrap_or(now) <= counted_to
    }) {
        *published.entry(a.write.rubrique_id).or_default() += 1;
    }
    add_published(conn, &published.into_iter().collect::<Vec<_>>())
}

/// After a load, outside any transaction (VACUUM cannot run in one): every stored related list marked
/// stale; on PostgreSQL the planner's
/// statistics; on SQLite the full-text index merged into one segment. SQLite keeps no `ANALYZE`
/// statistics: its plans stay the ones tested at every size (see the README's Speed section).
pub fn analyze(conn: &mut AnyConnection) -> QueryResult<()> {
    // The related lists stored before the load did not know its articles.
    super::related::mark_all_stale(conn)?;
    let statements: &[&str] = match conn {
        AnyConnection::Sqlite(_) => {
            &["INSERT INTO article_search (article_search) VALUES ('optimize')"]
        }
        AnyConnection::Postgresql(_) => &["VACUUM ANALYZE"],
    };
    for sql in statements {
        on_each!(conn, |c| diesel::sql_query(*sql).execute(c))?;
    }
    Ok(())
}
