//! Rubriques (sections): a small tree, read whole and cached by nobody (it is a few dozen rows).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::RubriqueRow;
use super::schema::{articles, rubriques};
use super::AnyConnection;
use crate::domain::Key;

/// Every rubrique, ordered by position then id.
pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<RubriqueRow>> {
    rubriques::table
        .order((rubriques::position.asc(), rubriques::id.asc()))
        .select(RubriqueRow::as_select())
        .load(conn)
}

named_table!(rubriques, RubriqueRow);

/// Published article counts per rubrique (its own articles, not its sub-rubriques').
pub fn article_counts(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    // Kept by the writer: a count over the articles was a walk of every published one at each read.
    super::articles::by_rubrique(conn, ids, now)
}

/// The ids of a rubrique and all its descendants, from the whole tree.
pub fn with_descendants(all: &[RubriqueRow], root: i64) -> Vec<i64> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            all.iter()
                .filter(|r| r.parent_id == Some(parent))
                .map(|r| r.id),
        );
        i += 1;
    }
    out
}

/// The values a create or update writes.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = rubriques, treat_none_as_null = true)]
pub struct RubriqueWrite {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i32,
}

pub fn insert(conn: &mut AnyConnection, w: &RubriqueWrite, now: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(rubriques::table)
        .values((
            w,
            rubriques::version.eq(1),
            rubriques::created_at.eq(now),
            rubriques::updated_at.eq(now),
        ))
        .returning(rubriques::id)
        .get_result(conn)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    w: &RubriqueWrite,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(rubriques::table.filter(rubriques::id.eq(id)))
        .set((
            w,
            rubriques::version.eq(rubriques::version + 1),
            rubriques::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Whether any article (of any status) or sub-rubrique still sits in this rubrique.
pub fn is_in_use(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let articles: i64 = articles::table
        .filter(articles::rubrique_id.eq(id))
        .count()
        .get_result(conn)?;
    let children: i64 = rubriques::table
        .filter(rubriques::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(articles + children > 0)
}
