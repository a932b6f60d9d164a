//! The tag commands: create, rename and delete a tag (articles simply lose a deleted one).

use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{unique_slug, Checks, Patch};
use crate::db::models::TagRow;
use crate::db::tags as q;
use crate::db::AnyConnection;
use crate::domain::{text, Key};
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

fn prepare(input: TagInput, cur: Option<&TagRow>) -> Result<(String, Option<String>), ApiError> {
    let mut c = Checks::default();
    let (name, slug) = c.name_and_slug(input.name, input.slug, cur.map(|t| t.name.as_str()), 60);
    if text::slugify(&name).is_empty() && !name.is_empty() {
        c.fail("name", "invalid", "a tag name needs a letter or a digit");
    }
    c.finish()?;
    Ok((name, slug))
}

/// Creates a tag; a taken slug (given, or made from the name) is a 409.
pub fn create(conn: &mut AnyConnection, input: TagInput) -> Result<i64, ApiError> {
    let (name, slug) = prepare(input, None)?;
    let slug = match slug {
        Some(s) if q::slug_taken(conn, &s, None)? => {
            return Err(ApiError::conflict(format!("the slug `{s}` is taken")))
        }
        Some(s) => s,
        None => {
            let base = text::slugify(&name);
            if q::slug_taken(conn, &base, None)? {
                return Err(ApiError::conflict(format!(
                    "a tag with the slug `{base}` exists"
                )));
            }
            unique_slug(&base, "tag", |s| q::slug_taken(conn, s, None))?
        }
    };
    Ok(q::insert(conn, &slug, &name, crate::db::now())?)
}

/// Applies a merge patch to a tag and reindexes its articles. Checks in order: known (404), the
/// values (422), `if_match` (412), a taken slug (409).
pub fn update(
    conn: &mut AnyConnection,
    key: &Key,
    input: TagInput,
    if_match: impl FnOnce(&TagRow) -> Result<(), ApiError>,
) -> Result<i64, ApiError> {
    let cur = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("tag"))?;
    let (name, slug) = prepare(input, Some(&cur))?;
    if_match(&cur)?;
    let slug = match slug {
        Some(s) if q::slug_taken(conn, &s, Some(cur.id))? => {
            return Err(ApiError::conflict(format!("the slug `{s}` is taken")))
        }
        Some(s) => s,
        None => cur.slug.clone(),
    };
    q::update(conn, cur.id, &slug, &name, crate::db::now())?;
    let tagged = crate::db::search::tagged(conn, cur.id)?;
    crate::db::search::reindex_ids(conn, &tagged)?;
    Ok(cur.id)
}

/// Deletes a tag, audited as the acting user `by`, and reindexes the articles that had it.
pub fn delete(
    conn: &mut AnyConnection,
    by: i64,
    key: &Key,
    if_match: impl FnOnce(&TagRow) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let cur = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("tag"))?;
    if_match(&cur)?;
    let tagged = crate::db::search::tagged(conn, cur.id)?;
    crate::db::audit::record(
        conn,
        Some(by),
        "tag.delete",
        &format!("tag:{}", cur.id),
        serde_json::json!({"slug": cur.slug, "name": cur.name}),
    )?;
    q::delete(conn, cur.id)?;
    crate::db::search::reindex_ids(conn, &tagged)?;
    Ok(())
}
