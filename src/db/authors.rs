//! Authors: public bylines.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::AuthorRow;
use super::schema::{article_authors, authors};
use super::AnyConnection;
use crate::domain::Key;

/// Every author, ordered by folded name then id (a newsroom has hundreds, not millions).
pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<AuthorRow>> {
    authors::table
        .order((authors::name_key.asc(), authors::id.asc()))
        .select(AuthorRow::as_select())
        .load(conn)
}

named_table!(authors, AuthorRow);

/// The authors with these ids, by id (one query for a whole page).
pub fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<HashMap<i64, AuthorRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(authors::table
        .filter(authors::id.eq_any(ids))
        .select(AuthorRow::as_select())
        .load::<AuthorRow>(conn)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// Published article counts per author, from the counts the writer keeps.
pub fn article_counts(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    super::articles::by_author(conn, ids, now)
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = authors, treat_none_as_null = true)]
pub struct AuthorWrite {
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    /// JSON text of `[{label, url}]`.
    pub links: String,
}

pub fn insert(conn: &mut AnyConnection, w: &AuthorWrite, now: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(authors::table)
        .values((
            w,
            authors::name_key.eq(crate::domain::sort_key(&w.name)),
            authors::version.eq(1),
            authors::created_at.eq(now),
            authors::updated_at.eq(now),
        ))
        .returning(authors::id)
        .get_result(conn)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    w: &AuthorWrite,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(authors::table.filter(authors::id.eq(id)))
        .set((
            w,
            authors::name_key.eq(crate::domain::sort_key(&w.name)),
            authors::version.eq(authors::version + 1),
            authors::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Whether any article's byline holds this author.
pub fn has_articles(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let n: i64 = article_authors::table
        .filter(article_authors::author_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Resolves ids or slugs to author ids, in the given order; `Err(i)` names the first unknown one.
pub fn resolve(conn: &mut AnyConnection, keys: &[Key]) -> QueryResult<Result<Vec<i64>, usize>> {
    let ids: Vec<i64> = keys
        .iter()
        .filter_map(|k| if let Key::Id(i) = k { Some(*i) } else { None })
        .collect();
    let slugs: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            if let Key::Slug(s) = k {
                Some(s.clone())
            } else {
                None
            }
        })
        .collect();
    let found: Vec<(i64, String)> = authors::table
        .filter(authors::id.eq_any(&ids).or(authors::slug.eq_any(&slugs)))
        .select((authors::id, authors::slug))
        .load(conn)?;
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            found
                .iter()
                .find(|(id, slug)| match k {
                    Key::Id(x) => id == x,
                    Key::Slug(s) => slug == s,
                })
                .map(|(id, _)| *id)
                .ok_or(i)
        })
        .collect())
}
