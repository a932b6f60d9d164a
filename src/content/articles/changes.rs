//! What a write does to the changes feed: the article's public state before and after it, as one
//! change (or a scheduled one), in the write's transaction.

use chrono::NaiveDateTime;

use crate::db::changes::{self, Kind};
use crate::db::AnyConnection;
use crate::domain::Status;
use crate::error::ApiError;

/// An article's stored status and publication instant.
pub(super) type State<'a> = (&'a str, Option<NaiveDateTime>);

/// Records what the public sees change when an article goes from `before` (none: it is new) to
/// `after` (none: it is deleted). Scheduled publications that have fallen due go first, so the
/// feed keeps the order in which things became public.
pub(super) fn record(
    conn: &mut AnyConnection,
    id: i64,
    slug: &str,
    before: Option<State>,
    after: Option<State>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    changes::move_due(conn, now)?;
    changes::unschedule(conn, id)?;
    let was_public =
        before.is_some_and(|(s, at)| Status::effective(s, at, now) == Status::Published);
    match after.map(|(s, at)| (Status::effective(s, at, now), at)) {
        None if was_public => changes::record(conn, Kind::Deleted, id, slug, now)?,
        None => {}
        Some((Status::Published, _)) => {
            let kind = match (was_public, before.is_none()) {
                (true, _) => Kind::Updated,
                (false, true) => Kind::Created,
                (false, false) => Kind::Published,
            };
            changes::record(conn, kind, id, slug, now)?
        }
        Some((Status::Scheduled, at)) => {
            if was_public {
                changes::record(conn, Kind::Unpublished, id, slug, now)?;
            }
            changes::schedule(conn, id, Kind::Published, at.unwrap_or(now))?;
        }
        Some(_) if was_public => changes::record(conn, Kind::Unpublished, id, slug, now)?,
        Some(_) => {}
    }
    Ok(())
}
