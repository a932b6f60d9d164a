//! Who may see and edit an article: the byline, the role rules, the statuses a role may set.

use chrono::NaiveDateTime;

use crate::auth::Staff;
use crate::db::articles as q;
use crate::db::models::ArticleRow;
use crate::db::{links, AnyConnection};
use crate::domain::{Key, Role, Status};
use crate::error::ApiError;

/// Whether the caller signs this article (its linked author is in the byline).
pub fn owns(conn: &mut AnyConnection, staff: &Staff, article: i64) -> Result<bool, ApiError> {
    let Some(me) = staff.author_id else {
        return Ok(false);
    };
    Ok(links::author_ids(conn, article)?.contains(&me))
}

/// Whether a caller may see an article: the public sees what is published and due; editors see all;
/// contributors and authors also see their own.
pub fn can_see(
    conn: &mut AnyConnection,
    staff: Option<&Staff>,
    a: &ArticleRow,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    if Status::effective(&a.status, a.published_at, now) == Status::Published {
        return Ok(true);
    }
    match staff {
        None => Ok(false),
        Some(s) if s.at_least(Role::Editor) => Ok(true),
        Some(s) => owns(conn, s, a.id),
    }
}

/// Loads an article the caller may see, or 404 (drafts do not leak their existence).
pub fn load_visible(
    conn: &mut AnyConnection,
    staff: Option<&Staff>,
    key: &Key,
    now: NaiveDateTime,
) -> Result<ArticleRow, ApiError> {
    load_visible_with(conn, staff, key, now, q::Bodies::With)
}

/// [`load_visible`], reading the bodies `bodies` names.
pub fn load_visible_with(
    conn: &mut AnyConnection,
    staff: Option<&Staff>,
    key: &Key,
    now: NaiveDateTime,
    bodies: q::Bodies,
) -> Result<ArticleRow, ApiError> {
    match q::find_with(conn, key, bodies)? {
        Some(a) if can_see(conn, staff, &a, now)? => Ok(a),
        _ => Err(ApiError::not_found("article")),
    }
}

/// The statuses a role may set.
pub(super) fn check_status_allowed(staff: &Staff, status: Status) -> Result<(), ApiError> {
    if staff.role == Role::Contributor && !matches!(status, Status::Draft | Status::Pending) {
        return Err(ApiError::forbidden(
            "a contributor may only save drafts and submit them for review (pending)",
        ));
    }
    Ok(())
}

/// Whether the caller may change (or delete) an existing article it can see.
pub(super) fn check_may_edit(
    conn: &mut AnyConnection,
    staff: &Staff,
    a: &ArticleRow,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if staff.at_least(Role::Editor) {
        return Ok(());
    }
    if !owns(conn, staff, a.id)? {
        return Err(ApiError::forbidden(
            "you may only change articles that carry your byline",
        ));
    }
    let status = Status::effective(&a.status, a.published_at, now);
    if staff.role == Role::Contributor && !matches!(status, Status::Draft | Status::Pending) {
        return Err(ApiError::forbidden(
            "a contributor may not change an article once it is published",
        ));
    }
    Ok(())
}
