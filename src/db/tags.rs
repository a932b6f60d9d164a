//! Tags: created on the fly from article input, or by editors.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::TagRow;
use super::schema::tags;
use super::AnyConnection;
use crate::domain::{text, Key};

pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<TagRow>> {
    tags::table
        .order((tags::name_key.asc(), tags::id.asc()))
        .select(TagRow::as_select())
        .load(conn)
}

named_table!(tags, TagRow);

/// Published article counts per tag, from the counts the writer keeps; `None` counts every tag
/// (for the tag cloud sort).
pub fn article_counts(
    conn: &mut AnyConnection,
    ids: Option<&[i64]>,
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    super::articles::by_tag(conn, ids, now)
}

pub fn insert(
    conn: &mut AnyConnection,
    slug: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(tags::table)
        .values((
            tags::slug.eq(slug),
            tags::name.eq(name),
            tags::name_key.eq(crate::domain::sort_key(name)),
            tags::version.eq(1),
            tags::created_at.eq(now),
            tags::updated_at.eq(now),
        ))
        .returning(tags::id)
        .get_result(conn)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    slug: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(tags::table.filter(tags::id.eq(id)))
        .set((
            tags::slug.eq(slug),
            tags::name.eq(name),
            tags::name_key.eq(crate::domain::sort_key(name)),
            tags::version.eq(tags::version + 1),
            tags::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Tag ids for names or slugs, creating a tag for each unknown name (its slug made from the name).
/// Duplicates (by slug) collapse to one.
pub fn resolve_or_create(
    conn: &mut AnyConnection,
    names: &[String],
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    let mut wanted: Vec<(String, &str)> = Vec::new();
    for name in names {
        let slug = text::slugify(name);
        if !slug.is_empty() && !wanted.iter().any(|(s, _)| *s == slug) {
            wanted.push((slug, name.trim()));
        }
    }
    let slugs: Vec<String> = wanted.iter().map(|(s, _)| s.clone()).collect();
    let keys: Vec<String> = wanted
        .iter()
        .map(|(_, n)| crate::domain::sort_key(n))
        .collect();
    // By slug, or by name: a renamed tag keeps its old slug but answers to its new name.
    let found: Vec<(i64, String, String)> = tags::table
        .filter(tags::slug.eq_any(&slugs).or(tags::name_key.eq_any(&keys)))
        .select((tags::id, tags::slug, tags::name_key))
        .load(conn)?;
    let mut ids: Vec<i64> = Vec::with_capacity(wanted.len());
    for (slug, name) in &wanted {
        let key = crate::domain::sort_key(name);
        let id = match found.iter().find(|(_, s, k)| s == slug || *k == key) {
            Some((id, _, _)) => *id,
            None => insert(conn, slug, name, now)?,
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The tag of this name (compared as sorting compares names: case and accents aside), if any.
pub fn find_by_name(conn: &mut AnyConnection, name: &str) -> QueryResult<Option<TagRow>> {
    tags::table
        .filter(tags::name_key.eq(crate::domain::sort_key(name)))
        .order(tags::id)
        .first(conn)
        .optional()
}

/// Resolves tag filter values (slugs) to ids; unknown ones are dropped.
pub fn ids_for_slugs(conn: &mut AnyConnection, slugs: &[String]) -> QueryResult<Vec<i64>> {
    tags::table
        .filter(tags::slug.eq_any(slugs))
        .select(tags::id)
        .load(conn)
}

/// How many tags there are.
pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    tags::table.count().get_result(conn)
}
