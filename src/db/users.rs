//! Staff accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::UserRow;
use super::schema::users;
use super::AnyConnection;
use crate::error::ApiError;

/// The account behind a token, if it still exists and is not disabled.
pub fn find_active(conn: &mut AnyConnection, id: i64) -> Result<Option<UserRow>, ApiError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::id.eq(id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// A page of accounts ordered by id, after `after_id`.
pub fn list(
    conn: &mut AnyConnection,
    after_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::id.gt(after_id))
        .order(users::id.asc())
        .offset(offset)
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)
}

pub fn insert(
    conn: &mut AnyConnection,
    email: &str,
    password_hash: &str,
    role: &str,
    author_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values((
            users::email.eq(email.trim().to_lowercase()),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::author_id.eq(author_id),
            users::disabled.eq(false),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)
}

/// Every field an admin may change, written at once.
pub fn update(conn: &mut AnyConnection, u: &UserRow, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::id.eq(u.id)))
        .set((
            users::email.eq(&u.email),
            users::password_hash.eq(&u.password_hash),
            users::role.eq(&u.role),
            users::author_id.eq(u.author_id),
            users::disabled.eq(u.disabled),
            users::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.filter(users::id.eq(id))).execute(conn)
}
