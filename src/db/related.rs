//! Stored `similar` related lists (`related_lists`): computed once, read by every instance, marked
//! stale by the writes that may change them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{articles, related_lists};
use super::{AnyConnection, PUBLISHED};

/// A stored list as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = related_lists)]
pub struct Stored {
    pub version: i64,
    pub cards: String,
    pub computed_at: NaiveDateTime,
    pub stale: bool,
}

pub fn get(conn: &mut AnyConnection, article: i64) -> QueryResult<Option<Stored>> {
    related_lists::table
        .find(article)
        .select(Stored::as_select())
        .first(conn)
        .optional()
}

/// Stores (or replaces) the list of `article` at `version`, fresh.
pub fn put(
    conn: &mut AnyConnection,
    article: i64,
    version: i64,
    cards: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let row = (
        related_lists::article_id.eq(article),
        related_lists::version.eq(version),
        related_lists::cards.eq(cards),
        related_lists::computed_at.eq(now),
        related_lists::stale.eq(false),
    );
    let set = (
        related_lists::version.eq(version),
        related_lists::cards.eq(cards),
        related_lists::computed_at.eq(now),
        related_lists::stale.eq(false),
    );
    on_each!(conn, |c| diesel::insert_into(related_lists::table)
        .values(row)
        .on_conflict(related_lists::article_id)
        .do_update()
        .set(set)
        .execute(c))?;
    Ok(())
}

/// Marks the lists of `ids` stale (they are computed again when next read).
pub fn mark_stale(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(related_lists::table.filter(related_lists::article_id.eq_any(ids)))
        .filter(related_lists::stale.eq(false))
        .set(related_lists::stale.eq(true))
        .execute(conn)
}

/// Marks every list stale: after a bulk write (an import, a synthetic load, a reindex) that changed
/// too many articles to follow one by one.
pub fn mark_all_stale(conn: &mut AnyConnection) -> QueryResult<usize> {
    diesel::update(related_lists::table.filter(related_lists::stale.eq(false)))
        .set(related_lists::stale.eq(true))
        .execute(conn)
}

/// Public articles at `now` (newest ids first, below `below`) whose list is missing, stale, of
/// another version or computed before `older_than`: what `kiosque related` computes.
pub fn needing(
    conn: &mut AnyConnection,
    below: i64,
    now: NaiveDateTime,
    older_than: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    articles::table
        .left_join(related_lists::table)
        .filter(articles::id.lt(below))
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::sort_at.le(now))
        .filter(
            related_lists::article_id
                .is_null()
                .or(related_lists::stale.eq(true))
                .or(related_lists::version
                    .nullable()
                    .ne(articles::version.nullable()))
                .or(related_lists::computed_at.lt(older_than)),
        )
        .order(articles::id.desc())
        .select(articles::id)
        .limit(limit)
        .load(conn)
}

/// Stored lists, and how many of them are stale (for `kiosque related`'s summary).
pub fn counts(conn: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let all = related_lists::table.count().get_result(conn)?;
    let stale = related_lists::table
        .filter(related_lists::stale.eq(true))
        .count()
        .get_result(conn)?;
    Ok((all, stale))
}
