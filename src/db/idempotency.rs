//! Stored first answers of POST requests that carried an `Idempotency-Key`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::idempotency_keys as t;
use super::AnyConnection;

/// How long a key is remembered.
pub const KEEP_HOURS: i64 = 24;

/// A stored request: (method and path, body hash, status, response body, headers as JSON). Status 0
/// means the first request is still being answered.
pub type Stored = (String, String, i32, String, String);

pub fn find(
    conn: &mut AnyConnection,
    caller: &str,
    key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Stored>> {
    t::table
        .filter(t::caller.eq(caller))
        .filter(t::idem_key.eq(key))
        .filter(t::created_at.gt(now - chrono::Duration::hours(KEEP_HOURS)))
        .select((
            t::method_path,
            t::body_hash,
            t::status,
            t::response,
            t::headers,
        ))
        .first(conn)
        .optional()
}

/// Claims a key for a request about to run; `false` when it is already claimed.
pub fn claim(
    conn: &mut AnyConnection,
    caller: &str,
    key: &str,
    method_path: &str,
    body_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::delete(t::table.filter(t::created_at.le(now - chrono::Duration::hours(KEEP_HOURS))))
        .execute(conn)?;
    let n: i64 = t::table
        .filter(t::caller.eq(caller))
        .filter(t::idem_key.eq(key))
        .count()
        .get_result(conn)?;
    if n > 0 {
        return Ok(false);
    }
    diesel::insert_into(t::table)
        .values((
            t::caller.eq(caller),
            t::idem_key.eq(key),
            t::method_path.eq(method_path),
            t::body_hash.eq(body_hash),
            t::status.eq(0),
            t::response.eq(""),
            t::headers.eq("{}"),
            t::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Records the answer of a claimed key.
pub fn complete(
    conn: &mut AnyConnection,
    caller: &str,
    key: &str,
    status: i32,
    response: &str,
    headers: &str,
) -> QueryResult<()> {
    diesel::update(
        t::table
            .filter(t::caller.eq(caller))
            .filter(t::idem_key.eq(key)),
    )
    .set((
        t::status.eq(status),
        t::response.eq(response),
        t::headers.eq(headers),
    ))
    .execute(conn)?;
    Ok(())
}

/// Frees a claimed key whose request failed, so that the client may retry with it.
pub fn release(conn: &mut AnyConnection, caller: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        t::table
            .filter(t::caller.eq(caller))
            .filter(t::idem_key.eq(key)),
    )
    .execute(conn)?;
    Ok(())
}
