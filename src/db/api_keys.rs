//! Partner API keys: secrets shown once, stored as SHA-256 hashes, revocable, with their own limit.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::api_keys;
use super::AnyConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub scopes: String,
    pub rate_limit_per_minute: i32,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A new secret (`kk_…`) and its hash.
pub fn new_secret() -> anyhow::Result<(String, String)> {
    let (secret, _) = super::sessions::new_secret()?;
    let secret = format!("kk_{}", &secret[3..]);
    let hash = super::sessions::hash(&secret);
    Ok((secret, hash))
}

pub fn insert(
    conn: &mut AnyConnection,
    name: &str,
    secret: &str,
    scopes: &str,
    limit: i32,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::prefix.eq(&secret[..10]),
            api_keys::key_hash.eq(super::sessions::hash(secret)),
            api_keys::scopes.eq(scopes),
            api_keys::rate_limit_per_minute.eq(limit),
            api_keys::created_at.eq(now),
        ))
        .returning(api_keys::id)
        .get_result(conn)
}

/// A page of keys in id order: after the keyset id `after`, or from `offset`.
pub fn page(
    conn: &mut AnyConnection,
    after: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ApiKeyRow>> {
    let mut q = api_keys::table
        .order(api_keys::id.asc())
        .select(ApiKeyRow::as_select())
        .into_boxed();
    if let Some(id) = after {
        q = q.filter(api_keys::id.gt(id));
    }
    q.offset(offset).limit(limit).load(conn)
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    api_keys::table.count().get_result(conn)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::id.eq(id))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// The live key with this secret.
pub fn by_secret(conn: &mut AnyConnection, secret: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::key_hash.eq(super::sessions::hash(secret)))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Records a use, at most once a minute per key (no write per request).
pub fn touch(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        api_keys::table.filter(api_keys::id.eq(id)).filter(
            api_keys::last_used_at
                .is_null()
                .or(api_keys::last_used_at.lt(now - chrono::Duration::seconds(60))),
        ),
    )
    .set(api_keys::last_used_at.eq(now))
    .execute(conn)?;
    Ok(())
}

pub fn revoke(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now))
    .execute(conn)
}
