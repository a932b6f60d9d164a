//! Tags, as [`Named`] content: created, renamed and deleted by editors (articles simply lose a
//! deleted tag). The commands are `content::named::{create, update, delete}::<Tags>`.

use serde::Deserialize;
use utoipa::ToSchema;

use diesel::QueryResult;

use super::input::{new_slug, Checks, Patch};
use super::named::Named;
use crate::db::models::TagRow;
use crate::db::tags as q;
use crate::db::AnyConnection;
use crate::domain::text;
use crate::error::ApiError;

/// Tag input (POST: `name` required; PATCH: merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    #[serde(default)]
    #[schema(value_type = String, required = false, example = "Coopération militaire")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub slug: Patch<String>,
}

/// A tag's values, as stored.
pub struct TagWrite {
    pub slug: String,
    pub name: String,
}

/// Tags: renamed ones reindex their articles (tag names are searched), deleted ones leave them.
pub enum Tags {}

impl Named for Tags {
    const NOUN: &'static str = "tag";
    type Row = TagRow;
    type Input = TagInput;
    type Write = TagWrite;

    super::named::stored_in!(q);

    fn prepare(
        _conn: &mut AnyConnection,
        input: TagInput,
        cur: Option<&TagRow>,
    ) -> Result<(TagWrite, Option<String>), ApiError> {
        let mut c = Checks::default();
        let (name, slug) =
            c.name_and_slug(input.name, input.slug, cur.map(|t| t.name.as_str()), 60);
        if text::slugify(&name).is_empty() && !name.is_empty() {
            c.fail("name", "invalid", "a tag name needs a letter or a digit");
        }
        c.finish()?;
        let current = cur.map(|t| t.slug.clone()).unwrap_or_default();
        Ok((
            TagWrite {
                slug: current,
                name,
            },
            slug,
        ))
    }
    fn name_of(w: &TagWrite) -> &str {
        &w.name
    }
    fn slug_mut(w: &mut TagWrite) -> &mut String {
        &mut w.slug
    }
    fn insert(conn: &mut AnyConnection, w: &TagWrite) -> QueryResult<i64> {
        q::insert(conn, &w.slug, &w.name, crate::db::now())
    }
    fn store(conn: &mut AnyConnection, id: i64, w: &TagWrite) -> QueryResult<usize> {
        q::update(conn, id, &w.slug, &w.name, crate::db::now())
    }

    /// Unlike rubriques and authors, a tag named like an existing one is a 409, not a new suffix
    /// (two tags that read the same would split the articles between them).
    fn new_slug(
        conn: &mut AnyConnection,
        given: Option<String>,
        name: &str,
    ) -> Result<String, ApiError> {
        if given.is_none() {
            let base = text::slugify(name);
            if q::slug_taken(conn, &base, None)? {
                return Err(ApiError::conflict(format!(
                    "a tag with the slug `{base}` exists"
                )));
            }
        }
        new_slug(given, name, Self::NOUN, |s| q::slug_taken(conn, s, None))
    }

    fn indexed(conn: &mut AnyConnection, row: &TagRow) -> QueryResult<Vec<i64>> {
        crate::db::search::tagged(conn, row.id)
    }
    fn shown_in(conn: &mut AnyConnection, row: &TagRow) -> QueryResult<Vec<i64>> {
        crate::db::search::tagged(conn, row.id)
    }
}
