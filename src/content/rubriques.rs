//! Rubriques, as [`Named`] content: the tree kept acyclic, an empty rubrique deleted. The commands
//! are `content::named::{create, update, delete}::<Rubriques>`.

use serde::Deserialize;
use utoipa::ToSchema;

use diesel::QueryResult;

use super::input::{Checks, KeyRef, Patch};
use super::named::Named;
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

/// Rubriques: a tree kept acyclic; one that holds articles or sub-rubriques is not deleted.
pub enum Rubriques {}

impl Named for Rubriques {
    const NOUN: &'static str = "rubrique";
    type Row = RubriqueRow;
    type Input = RubriqueInput;
    type Write = RubriqueWrite;

    super::named::stored_in!(q, writes);

    fn prepare(
        conn: &mut AnyConnection,
        input: RubriqueInput,
        cur: Option<&RubriqueRow>,
    ) -> Result<(RubriqueWrite, Option<String>), ApiError> {
        prepare(conn, input, cur)
    }
    fn held(conn: &mut AnyConnection, row: &RubriqueRow) -> QueryResult<Option<&'static str>> {
        Ok(q::is_in_use(conn, row.id)?
            .then_some("this rubrique still holds articles or sub-rubriques"))
    }
    fn shown_in(conn: &mut AnyConnection, row: &RubriqueRow) -> QueryResult<Vec<i64>> {
        crate::db::links::in_rubrique(conn, row.id)
    }
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
