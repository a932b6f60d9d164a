//! Article revisions and the audit log, both written in the transaction of the change they record.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_revisions, audit_log};
use super::AnyConnection;

/// Records a sensitive action. `detail` is JSON and never holds a secret.
pub fn record(
    conn: &mut AnyConnection,
    user_id: Option<i64>,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(super::now()),
            audit_log::user_id.eq(user_id),
            audit_log::action.eq(action),
            audit_log::target.eq(target),
            audit_log::detail.eq(detail.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One audit row: (id, at, user, action, target, detail).
pub type AuditRow = (i64, NaiveDateTime, Option<i64>, String, String, String);

/// Audit rows, newest first, before `before_id`, optionally of one action.
pub fn list(
    conn: &mut AnyConnection,
    before_id: Option<i64>,
    action: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::user_id,
            audit_log::action,
            audit_log::target,
            audit_log::detail,
        ))
        .order(audit_log::id.desc())
        .into_boxed();
    if let Some(b) = before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    if let Some(a) = action {
        q = q.filter(audit_log::action.eq(a.to_owned()));
    }
    q.offset(offset).limit(limit).load(conn)
}

pub fn count(conn: &mut AnyConnection, action: Option<&str>) -> QueryResult<i64> {
    let mut q = audit_log::table.into_boxed();
    if let Some(a) = action {
        q = q.filter(audit_log::action.eq(a.to_owned()));
    }
    q.count().get_result(conn)
}

/// Keeps the state of an article before a change.
pub fn keep_revision(
    conn: &mut AnyConnection,
    article_id: i64,
    version: i64,
    snapshot: serde_json::Value,
    user_id: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article_id),
            article_revisions::version.eq(version),
            article_revisions::snapshot.eq(snapshot.to_string()),
            article_revisions::user_id.eq(user_id),
            article_revisions::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One revision: (version, snapshot, user, created).
pub type RevisionRow = (i64, String, Option<i64>, NaiveDateTime);

/// An article's revisions, newest first.
pub fn revisions(
    conn: &mut AnyConnection,
    article_id: i64,
    limit: i64,
) -> QueryResult<Vec<RevisionRow>> {
    article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .order(article_revisions::version.desc())
        .limit(limit)
        .select((
            article_revisions::version,
            article_revisions::snapshot,
            article_revisions::user_id,
            article_revisions::created_at,
        ))
        .load(conn)
}
