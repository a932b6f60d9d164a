//! The rubrique commands: create, update (the tree kept acyclic) and delete an empty rubrique.

use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{new_slug, Checks, KeyRef, Patch};
use crate::db::models::RubriqueRow;
use crate::db::rubriques::{self as q, RubriqueWrite};
use crate::db::AnyConnection;
use crate::domain::Key;
use crate::error::ApiError;

/// Rubrique input (POST: `name` required; PATCH: merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubriqueInput {
    #[serde(default)]
    #[schema(value_type = String, required = false, example = "Sécurité")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub slug: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    /// Parent id or slug, or null for a top-level rubrique.
    #[serde(default)]
    #[schema(value_type = Option<KeyRef>)]
    pub parent: Patch<KeyRef>,
    #[serde(default, deserialize_with = "super::input::whole_i32_patch")]
    #[schema(value_type = i32, required = false)]
    pub position: Patch<i32>,
}

/// The rubrique `key` names among `all` (the tree is small and read whole).
pub fn find_in<'a>(all: &'a [RubriqueRow], key: &Key) -> Option<&'a RubriqueRow> {
    all.iter().find(|r| match key {
        Key::Id(id) => r.id == *id,
        Key::Slug(s) => &r.slug == s,
    })
}

/// Validates an input over the current rubrique (none on creation).
fn prepare(
    conn: &mut AnyConnection,
    input: RubriqueInput,
    cur: Option<&RubriqueRow>,
) -> Result<(RubriqueWrite, Option<String>), ApiError> {
    let mut c = Checks::default();
    let (name, slug) = c.name_and_slug(input.name, input.slug, cur.map(|r| r.name.as_str()), 120);
    let description = input
        .description
        .apply(cur.map(|r| r.description.clone()))
        .unwrap_or_default();
    let description = c.text("description", &description, 0, 2000);
    let position = input
        .position
        .required("position", &mut c.0)
        .or(cur.map(|r| r.position))
        .unwrap_or(0);
    let parent_id = match input.parent {
        Patch::Absent => cur.and_then(|r| r.parent_id),
        Patch::Null => None,
        Patch::Value(k) => {
            let all = q::all(conn)?;
            match find_in(&all, &k.key()) {
                None => {
                    c.fail("parent", "unknown", "no rubrique has this id or slug");
                    None
                }
                Some(p) => {
                    if let Some(me) = cur {
                        if q::with_descendants(&all, me.id).contains(&p.id) {
                            c.fail(
                                "parent",
                                "cycle",
                                "a rubrique cannot sit under itself or its sub-rubriques",
                            );
                        }
                    }
                    Some(p.id)
                }
            }
        }
    };
    c.finish()?;
    let w = RubriqueWrite {
        slug: cur.map(|r| r.slug.clone()).unwrap_or_default(),
        name,
        description,
        parent_id,
        position,
    };
    Ok((w, slug))
}

/// Creates a rubrique; a taken slug is a 409.
pub fn create(conn: &mut AnyConnection, input: RubriqueInput) -> Result<i64, ApiError> {
    let (mut w, slug) = prepare(conn, input, None)?;
    w.slug = new_slug(slug, &w.name, "rubrique", |s| q::slug_taken(conn, s, None))?;
    Ok(q::insert(conn, &w, crate::db::now())?)
}

/// Applies a merge patch to a rubrique. Checks in order: known (404), the values and the tree (422),
/// `if_match` (412), a taken slug (409).
pub fn update(
    conn: &mut AnyConnection,
    key: &Key,
    input: RubriqueInput,
    if_match: impl FnOnce(&RubriqueRow) -> Result<(), ApiError>,
) -> Result<i64, ApiError> {
    let cur = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("rubrique"))?;
    let (mut w, slug) = prepare(conn, input, Some(&cur))?;
    if_match(&cur)?;
    if let Some(s) = slug {
        if q::slug_taken(conn, &s, Some(cur.id))? {
            return Err(ApiError::conflict(format!("the slug `{s}` is taken")));
        }
        w.slug = s;
    }
    q::update(conn, cur.id, &w, crate::db::now())?;
    Ok(cur.id)
}

/// Deletes a rubrique that holds no article and no sub-rubrique (409 otherwise), audited as `by`.
pub fn delete(
    conn: &mut AnyConnection,
    by: i64,
    key: &Key,
    if_match: impl FnOnce(&RubriqueRow) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let cur = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("rubrique"))?;
    if_match(&cur)?;
    if q::is_in_use(conn, cur.id)? {
        return Err(ApiError::conflict(
            "this rubrique still holds articles or sub-rubriques",
        ));
    }
    crate::db::audit::record(
        conn,
        Some(by),
        "rubrique.delete",
        &format!("rubrique:{}", cur.id),
        serde_json::json!({"slug": cur.slug, "name": cur.name}),
    )?;
    q::delete(conn, cur.id)?;
    Ok(())
}
