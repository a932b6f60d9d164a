//! Refresh tokens: opaque secrets stored as SHA-256 hashes, rotated on every use. A family is one log-in
//! session; presenting a token that was already used or revoked revokes its whole family.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::{refresh_tokens, users};
use super::AnyConnection;

/// How long a refresh token lives without being used.
pub const REFRESH_TTL_DAYS: i64 = 30;

/// A new random secret with its prefix (`kr_`), and its hash.
pub fn new_secret() -> anyhow::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    use base64::Engine;
    let secret = format!(
        "kr_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = hash(&secret);
    Ok((secret, hash))
}

pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a token of `family` for `user`.
pub fn insert(
    conn: &mut AnyConnection,
    user: i64,
    family: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user),
            refresh_tokens::family.eq(family),
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(now + chrono::Duration::days(REFRESH_TTL_DAYS)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A stored token: (id, user, family, expires, used, revoked).
pub type Stored = (
    i64,
    i64,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

pub fn find(conn: &mut AnyConnection, hash: &str) -> QueryResult<Option<Stored>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::user_id,
            refresh_tokens::family,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            refresh_tokens::revoked_at,
        ))
        .first(conn)
        .optional()
}

/// Marks a token used (rotated). Only one caller can win: the update requires it unused.
pub fn mark_used(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(
    conn: &mut AnyConnection,
    family: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Ends every session of a user: refresh tokens revoked, access tokens of the current generation refused.
pub fn revoke_user(conn: &mut AnyConnection, user: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(users::table.filter(users::id.eq(user)))
        .set(users::session_generation.eq(users::session_generation + 1))
        .execute(conn)?;
    Ok(())
}
