//! Authors, as [`Named`] content: public bylines, created, updated and deleted by editors. The
//! commands are `content::named::{create, update, delete}::<Authors>`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use diesel::QueryResult;

use super::input::{Checks, Patch};
use super::named::Named;
use crate::db::authors::{self as q, AuthorWrite};
use crate::db::models::AuthorRow;
use crate::db::AnyConnection;
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

/// Authors: public bylines; one that still signs articles is not deleted.
pub enum Authors {}

impl Named for Authors {
    const NOUN: &'static str = "author";
    type Row = AuthorRow;
    type Input = AuthorInput;
    type Write = AuthorWrite;

    super::named::stored_in!(q, writes);

    fn prepare(
        _conn: &mut AnyConnection,
        input: AuthorInput,
        cur: Option<&AuthorRow>,
    ) -> Result<(AuthorWrite, Option<String>), ApiError> {
        prepare(input, cur)
    }
    fn held(conn: &mut AnyConnection, row: &AuthorRow) -> QueryResult<Option<&'static str>> {
        Ok(q::has_articles(conn, row.id)?.then_some("this author still signs articles"))
    }
    fn shown_in(conn: &mut AnyConnection, row: &AuthorRow) -> QueryResult<Vec<i64>> {
        crate::db::links::signed_by(conn, row.id)
    }
}

/// Creates an author (shared with the demo content and `user create`).
pub fn create(conn: &mut AnyConnection, input: AuthorInput) -> Result<i64, ApiError> {
    super::named::create::<Authors>(conn, input)
}
