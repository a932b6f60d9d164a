//! The changes feed's rows: what a mirror of the public site must apply, in commit order. Rows are
//! written only inside `write_tx`, whose one lock makes the id order the commit order on both
//! databases (see the migration).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{articles, changes, changes_pruned, scheduled_changes};
use super::{AnyConnection, PUBLISHED};

/// What happened to an article, as the public saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Public from its creation.
    Created,
    /// Changed while public.
    Updated,
    /// Made public: a draft published, a scheduled time come, an unpublished article back.
    Published,
    /// No longer public (back to draft, archived, or moved to a later date).
    Unpublished,
    /// Deleted while public.
    Deleted,
}

impl Kind {
    pub const fn stored(self) -> &'static str {
        match self {
            Kind::Created => "created",
            Kind::Updated => "updated",
            Kind::Published => "published",
            Kind::Unpublished => "unpublished",
            Kind::Deleted => "deleted",
        }
    }
    pub fn from_stored(s: &str) -> Kind {
        match s {
            "created" => Kind::Created,
            "updated" => Kind::Updated,
            "published" => Kind::Published,
            "unpublished" => Kind::Unpublished,
            _ => Kind::Deleted,
        }
    }
    /// The webhook event announcing it.
    pub const fn event(self) -> &'static str {
        match self {
            Kind::Created | Kind::Published => "article.published",
            Kind::Updated => "article.updated",
            Kind::Unpublished => "article.unpublished",
            Kind::Deleted => "article.deleted",
        }
    }
    /// Whether the change carries the article (the others are tombstones).
    pub fn shows_article(self) -> bool {
        matches!(self, Kind::Created | Kind::Updated | Kind::Published)
    }
}

/// One change by id.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ChangeRow>> {
    changes::table
        .filter(changes::id.eq(id))
        .select((
            changes::id,
            changes::kind,
            changes::article_id,
            changes::slug,
            changes::at,
        ))
        .first(conn)
        .optional()
}

/// One change: (id, kind, article id, slug, at).
pub type ChangeRow = (i64, String, i64, String, NaiveDateTime);

/// Records a change now.
pub fn record(
    conn: &mut AnyConnection,
    kind: Kind,
    article_id: i64,
    slug: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let id: i64 = diesel::insert_into(changes::table)
        .values((
            changes::kind.eq(kind.stored()),
            changes::article_id.eq(article_id),
            changes::slug.eq(slug),
            changes::at.eq(at),
        ))
        .returning(changes::id)
        .get_result(conn)?;
    // The webhooks' outbox, in the same transaction: nothing committed goes unannounced.
    super::webhooks::enqueue(conn, id, kind.event(), super::now())?;
    Ok(())
}

/// Records an `updated` change for each of these articles that is public now (the public view of
/// each names a rubrique, author or tag that changed).
pub fn record_updated(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let public: Vec<(i64, String)> = articles::table
            .filter(articles::id.eq_any(chunk.to_vec()))
            .filter(articles::status.eq(PUBLISHED))
            .filter(articles::published_at.le(now))
            .order(articles::id)
            .select((articles::id, articles::slug))
            .load(conn)?;
        for (id, slug) in public {
            record(conn, Kind::Updated, id, &slug, now)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Sets (or moves) the publication of an article whose time has not come.
pub fn schedule(
    conn: &mut AnyConnection,
    article_id: i64,
    kind: Kind,
    due_at: NaiveDateTime,
) -> QueryResult<()> {
    unschedule(conn, article_id)?;
    diesel::insert_into(scheduled_changes::table)
        .values((
            scheduled_changes::article_id.eq(article_id),
            scheduled_changes::kind.eq(kind.stored()),
            scheduled_changes::due_at.eq(due_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn unschedule(conn: &mut AnyConnection, article_id: i64) -> QueryResult<()> {
    diesel::delete(scheduled_changes::table.filter(scheduled_changes::article_id.eq(article_id)))
        .execute(conn)?;
    Ok(())
}

/// The earliest scheduled publication (a cheap read, to know whether [`move_due`] has work).
pub fn next_due(conn: &mut AnyConnection) -> QueryResult<Option<NaiveDateTime>> {
    scheduled_changes::table
        .select(diesel::dsl::min(scheduled_changes::due_at))
        .first(conn)
}

/// Turns the scheduled publications whose time has come into changes, in the order they fell due
/// (each with the instant it became public), in the caller's write transaction; the list totals'
/// kept counts move past them too ([`super::articles::sweep`]). Returns how many.
pub fn move_due(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    super::articles::sweep(conn, now)?;
    let due: Vec<(i64, String, NaiveDateTime, String)> = scheduled_changes::table
        .inner_join(articles::table.on(articles::id.eq(scheduled_changes::article_id)))
        .filter(scheduled_changes::due_at.le(now))
        .order((scheduled_changes::due_at, scheduled_changes::article_id))
        .select((
            scheduled_changes::article_id,
            scheduled_changes::kind,
            scheduled_changes::due_at,
            articles::slug,
        ))
        .load(conn)?;
    for (id, kind, at, slug) in &due {
        record(conn, Kind::from_stored(kind), *id, slug, *at)?;
        unschedule(conn, *id)?;
    }
    Ok(due.len())
}

/// Up to `limit` changes after the id `after`, oldest first.
pub fn page(conn: &mut AnyConnection, after: i64, limit: i64) -> QueryResult<Vec<ChangeRow>> {
    changes::table
        .filter(changes::id.gt(after))
        .order(changes::id)
        .limit(limit)
        .select((
            changes::id,
            changes::kind,
            changes::article_id,
            changes::slug,
            changes::at,
        ))
        .load(conn)
}

/// The newest id given to a change (0 when none yet); a cursor there has everything.
pub fn head(conn: &mut AnyConnection) -> QueryResult<i64> {
    let newest: Option<i64> = changes::table
        .select(diesel::dsl::max(changes::id))
        .first(conn)?;
    Ok(newest.unwrap_or(0).max(pruned_through(conn)?))
}

/// The newest id pruned: a cursor before it has missed changes.
pub fn pruned_through(conn: &mut AnyConnection) -> QueryResult<i64> {
    changes_pruned::table
        .select(changes_pruned::through)
        .first(conn)
}

/// The time of the oldest change kept (an indexed read: whether [`prune`] has work).
pub fn oldest(conn: &mut AnyConnection) -> QueryResult<Option<NaiveDateTime>> {
    changes::table
        .select(diesel::dsl::min(changes::at))
        .first(conn)
}

/// Deletes the changes older than `before`; returns how many.
pub fn prune(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let newest_old: Option<i64> = changes::table
        .filter(changes::at.lt(before))
        .select(diesel::dsl::max(changes::id))
        .first(conn)?;
    let Some(through) = newest_old else {
        return Ok(0);
    };
    let n = diesel::delete(changes::table.filter(changes::id.le(through))).execute(conn)?;
    diesel::update(changes_pruned::table.filter(changes_pruned::through.lt(through)))
        .set(changes_pruned::through.eq(through))
        .execute(conn)?;
    Ok(n)
}
