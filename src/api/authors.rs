//! `/v1/authors`: public bylines.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{
    self, check_if_match, collection, key, page_sorted, single, unique_slug, version_etag, written,
    Checks, Listing, PageRequest, Patch,
};
use crate::auth::Caller;
use crate::db::authors::{self as q, AuthorWrite};
use crate::db::models::AuthorRow;
use crate::db::{write_tx, AnyConnection};
use crate::domain::{text, Key, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A link on an author's page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorLink {
    #[schema(example = "X")]
    pub label: String,
    #[schema(example = "https://example.org/@bado")]
    pub url: String,
}

/// A public byline. No e-mail, no login data: accounts are users.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Author {
    pub id: i64,
    #[schema(example = "andre-martin-bado")]
    pub slug: String,
    #[schema(example = "André-Martin Bado")]
    pub name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub links: Vec<AuthorLink>,
    /// Published articles signed by this author.
    pub article_count: i64,
    pub url: String,
    pub version: i64,
}

pub const FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "bio",
    "avatar_url",
    "links",
    "article_count",
    "url",
    "version",
];

/// Query of `GET /v1/authors` (ordered by name).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
    pub fields: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    pub fields: Option<String>,
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

fn to_out(a: AuthorRow, count: i64, site: &str) -> Author {
    Author {
        url: format!("{site}/authors/{}", a.slug),
        links: serde_json::from_str(&a.links).unwrap_or_default(),
        id: a.id,
        slug: a.slug,
        name: a.name,
        bio: a.bio,
        avatar_url: a.avatar_url,
        article_count: count,
        version: a.version,
    }
}

/// List authors, by name.
#[utoipa::path(
    tag = "authors", operation_id = "list_authors", params(ListQuery),
    responses(
        (status = 200, description = "Authors", body = AuthorList),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.page, query.per_page, query.cursor.as_deref(), "name")?;
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    let site = state.config.site_url.clone();
    let p = page.clone();
    let listing = state
        .db
        .run(move |conn| {
            let all = q::all(conn)?;
            let keyed = all
                .into_iter()
                .map(|a| (a.name_key.clone(), a.id, a))
                .collect();
            let (rows, total, next_cursor, has_next) = page_sorted(keyed, &p, "name");
            let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
            let counts = q::article_counts(conn, &ids, crate::db::now())?;
            let data = rows
                .into_iter()
                .map(|a| {
                    let n = counts.get(&a.id).copied().unwrap_or(0);
                    let v = serde_json::to_value(to_out(a, n, &site)).unwrap_or_default();
                    match &fields {
                        Some(f) => common::keep_fields(v, f),
                        None => v,
                    }
                })
                .collect();
            Ok(Listing {
                data: common::raw_all(data),
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(collection(&req, caller.is_staff(), &page, listing))
}

async fn load_one(state: &web::Data<AppState>, key: Key) -> Result<Author, ApiError> {
    let site = state.config.site_url.clone();
    state
        .db
        .run(move |conn| {
            let a = q::find(conn, &key)?.ok_or_else(|| ApiError::not_found("author"))?;
            let n = q::article_counts(conn, &[a.id], crate::db::now())?
                .get(&a.id)
                .copied()
                .unwrap_or(0);
            Ok(to_out(a, n, &site))
        })
        .await
}

/// One author by id or slug.
#[utoipa::path(
    tag = "authors", operation_id = "find_author",
    params(("key" = String, Path, description = "Numeric id or slug"), GetQuery),
    responses(
        (status = 200, description = "The author", body = Author, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/authors/{key}")]
pub async fn find_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<GetQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    let a = load_one(&state, key(&path)?).await?;
    Ok(single(
        &req,
        caller.is_staff(),
        &a,
        &fields,
        version_etag('p', a.id, a.version),
        None,
    ))
}

fn prepare(
    input: AuthorInput,
    cur: Option<&AuthorRow>,
) -> Result<(AuthorWrite, Option<String>), ApiError> {
    let mut c = Checks::default();
    let name = match input.name.required("name", &mut c.0) {
        Some(n) => c.text("name", &n, 1, 120),
        None => match cur {
            Some(a) => a.name.clone(),
            None => {
                c.fail("name", "required", "name is required");
                String::new()
            }
        },
    };
    let slug = input.slug.required("slug", &mut c.0);
    if let Some(s) = &slug {
        c.slug("slug", s);
    }
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
    w.slug = match slug {
        Some(s) if q::slug_taken(conn, &s, None)? => {
            return Err(ApiError::conflict(format!("the slug `{s}` is taken")))
        }
        Some(s) => s,
        None => unique_slug(&text::slugify(&w.name), "author", |s| {
            q::slug_taken(conn, s, None)
        })?,
    };
    Ok(q::insert(conn, &w, crate::db::now())?)
}

/// Create an author (editors, admins).
#[utoipa::path(
    tag = "authors", operation_id = "create_author", request_body = AuthorInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Author, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/authors")]
pub async fn create_author(
    state: web::Data<AppState>,
    caller: Caller,
    input: crate::api::json::Json<AuthorInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let id = state
        .db
        .run(move |conn| write_tx(conn, |conn| create(conn, input.into_inner()?)))
        .await?;
    let a = load_one(&state, Key::Id(id)).await?;
    Ok(written(
        &a,
        version_etag('p', a.id, a.version),
        Some(format!("/v1/authors/{id}")),
    ))
}

/// Update an author (merge patch; editors, admins).
#[utoipa::path(
    tag = "authors", operation_id = "update_author", request_body = AuthorInput,
    params(("key" = String, Path, description = "Numeric id or slug"), ("If-Match" = Option<String>, Header, description = "ETag of the version you edit")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Author, headers(("ETag" = String))),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/authors/{key}")]
pub async fn update_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    input: crate::api::json::Json<AuthorInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let key = key(&path)?;
    let im = common::if_match(&req);
    let id = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let cur = q::find(conn, &key)?.ok_or_else(|| ApiError::not_found("author"))?;
                let (mut w, slug) = prepare(input.into_inner()?, Some(&cur))?;
                check_if_match(im.as_deref(), &version_etag('p', cur.id, cur.version))?;
                if let Some(s) = slug {
                    if q::slug_taken(conn, &s, Some(cur.id))? {
                        return Err(ApiError::conflict(format!("the slug `{s}` is taken")));
                    }
                    w.slug = s;
                }
                q::update(conn, cur.id, &w, crate::db::now())?;
                Ok(cur.id)
            })
        })
        .await?;
    let a = load_one(&state, Key::Id(id)).await?;
    Ok(written(&a, version_etag('p', a.id, a.version), None))
}

/// Delete an author (editors, admins): 409 while a byline holds it.
#[utoipa::path(
    tag = "authors", operation_id = "delete_author",
    params(("key" = String, Path, description = "Numeric id or slug"), ("If-Match" = Option<String>, Header, description = "ETag of the version you delete")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still signs articles", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/authors/{key}")]
pub async fn delete_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Editor)?.user_id;
    let key = key(&path)?;
    let im = common::if_match(&req);
    state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let cur = q::find(conn, &key)?.ok_or_else(|| ApiError::not_found("author"))?;
                check_if_match(im.as_deref(), &version_etag('p', cur.id, cur.version))?;
                if q::has_articles(conn, cur.id)? {
                    return Err(ApiError::conflict("this author still signs articles"));
                }
                crate::db::audit::record(
                    conn,
                    Some(me),
                    "author.delete",
                    &format!("author:{}", cur.id),
                    serde_json::json!({"slug": cur.slug, "name": cur.name}),
                )?;
                q::delete(conn, cur.id)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::api::collection_schema!(AuthorList, Author);
