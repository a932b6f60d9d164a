//! The author commands: create, update and delete a public byline.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{new_slug, Checks, Patch};
use crate::db::authors::{self as q, AuthorWrite};
use crate::db::models::AuthorRow;
use crate::db::AnyConnection;
use crate::domain::Key;
use crate::error::ApiError;

/// A link on an author's page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorLink {
    #[schema(example = "X")]
    pub label: String,
    #[schema(example = "https://example.org/@bado")]
    pub url: String,
}

/// Author input (POST: `name` required; PATCH: merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorInput {
    #[serde(default)]
    #[schema(value_type = String, required = false, example = "André-Martin Bado")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub slug: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub bio: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub avatar_url: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<AuthorLink>>)]
    pub links: Patch<Vec<AuthorLink>>,
}

fn prepare(
    input: AuthorInput,
    cur: Option<&AuthorRow>,
) -> Result<(AuthorWrite, Option<String>), ApiError> {
    let mut c = Checks::default();
    let (name, slug) = c.name_and_slug(input.name, input.slug, cur.map(|a| a.name.as_str()), 120);
    let bio = input
        .bio
        .apply(cur.map(|a| a.bio.clone()))
        .unwrap_or_default();
    let bio = c.text("bio", &bio, 0, 5000);
    let avatar_url = input
        .avatar_url
        .apply(cur.and_then(|a| a.avatar_url.clone()));
    if let Some(u) = &avatar_url {
        c.url("avatar_url", u);
    }
    let links = match input.links {
        Patch::Absent => cur.map(|a| a.links.clone()).unwrap_or_else(|| "[]".into()),
        Patch::Null => "[]".into(),
        Patch::Value(list) => {
            if list.len() > 20 {
                c.fail("links", "too_many", "at most 20 links");
            }
            for (i, l) in list.iter().enumerate() {
                c.text(&format!("links[{i}].label"), &l.label, 1, 80);
                c.url(&format!("links[{i}].url"), &l.url);
            }
            serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
        }
    };
    c.finish()?;
    Ok((
        AuthorWrite {
            slug: cur.map(|a| a.slug.clone()).unwrap_or_default(),
            name,
            bio,
            avatar_url,
            links,
        },
        slug,
    ))
}

/// Creates an author (shared with the demo content and `user create`).
pub fn create(conn: &mut AnyConnection, input: AuthorInput) -> Result<i64, ApiError> {
    let (mut w, slug) = prepare(input, None)?;
    w.slug = new_slug(slug, &w.name, "author", |s| q::slug_taken(conn, s, None))?;
    Ok(q::insert(conn, &w, crate::db::now())?)
}

/// Applies a merge patch to an author. Checks in order: known (404), the values (422), `if_match` on
/// the version (412), a taken slug (409).
pub fn update(
    conn: &mut AnyConnection,
    key: &Key,
    input: AuthorInput,
    if_match: impl FnOnce(&AuthorRow) -> Result<(), ApiError>,
) -> Result<i64, ApiError> {
    let cur = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("author"))?;
    let (mut w, slug) = prepare(input, Some(&cur))?;
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

/// Deletes an author no byline holds (409 otherwise), audited as the acting user `by`.
pub fn delete(
    conn: &mut AnyConnection,
    by: i64,
    key: &Key,
    if_match: impl FnOnce(&AuthorRow) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let cur = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("author"))?;
    if_match(&cur)?;
    if q::has_articles(conn, cur.id)? {
        return Err(ApiError::conflict("this author still signs articles"));
    }
    crate::db::audit::record(
        conn,
        Some(by),
        "author.delete",
        &format!("author:{}", cur.id),
        serde_json::json!({"slug": cur.slug, "name": cur.name}),
    )?;
    q::delete(conn, cur.id)?;
    Ok(())
}
