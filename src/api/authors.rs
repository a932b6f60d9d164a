//! `/v1/authors`: public bylines.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{
    self, check_if_match, collection, key, page_sorted, single, version_etag, written, Listing,
    PageRequest,
};
use crate::auth::Caller;
use crate::content::authors as content;
pub use crate::content::authors::{AuthorInput, AuthorLink};
use crate::db::authors as q;
use crate::db::models::AuthorRow;
use crate::db::write_tx;
use crate::domain::{Key, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

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
        .run(move |conn| write_tx(conn, |conn| content::create(conn, input.into_inner()?)))
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
                content::update(conn, &key, input.into_inner()?, |a| {
                    check_if_match(im.as_deref(), &version_etag('p', a.id, a.version))
                })
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
                content::delete(conn, me, &key, |a| {
                    check_if_match(im.as_deref(), &version_etag('p', a.id, a.version))
                })
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::api::collection_schema!(AuthorList, Author);
