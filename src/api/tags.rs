//! `/v1/tags`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{
    self, check_if_match, collection, key, num_key, page_sorted, single, version_etag, written,
    Listing, PageRequest,
};
use crate::auth::Caller;
use crate::content::tags as content;
pub use crate::content::tags::TagInput;
use crate::db::models::TagRow;
use crate::db::tags as q;
use crate::db::write_tx;
use crate::domain::{Key, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    pub id: i64,
    #[schema(example = "cooperation-militaire")]
    pub slug: String,
    #[schema(example = "Coopération militaire")]
    pub name: String,
    /// Published articles with this tag.
    pub article_count: i64,
    pub version: i64,
}

pub const FIELDS: &[&str] = &["id", "slug", "name", "article_count", "version"];

/// The orders of `GET /v1/tags`.
pub const SORTS: &[&str] = &["name", "-article_count"];

/// Query of `GET /v1/tags`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `name` (default) or `-article_count` (a tag cloud).
    pub sort: Option<String>,
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

fn to_out(t: TagRow, count: i64) -> Tag {
    Tag {
        id: t.id,
        slug: t.slug,
        name: t.name,
        article_count: count,
        version: t.version,
    }
}

/// List tags, by name or by article count.
#[utoipa::path(
    tag = "tags", operation_id = "list_tags", params(ListQuery),
    responses(
        (status = 200, description = "Tags", body = TagList),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    // An empty `sort=` is the default.
    let by_count = match query
        .sort
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("name")
    {
        "name" => false,
        "-article_count" => true,
        other => {
            return Err(ApiError::bad_param(
                "sort",
                format!("`{other}` is not name or -article_count"),
            ))
        }
    };
    let sort_name = if by_count { "-article_count" } else { "name" };
    let page = PageRequest::parse(
        query.page,
        query.per_page,
        query.cursor.as_deref(),
        sort_name,
    )?;
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    let p = page.clone();
    let staff = caller.is_staff();
    let listing = state
        .db
        .run(move |conn| {
            let counts = q::article_counts(conn, None, crate::db::now())?;
            let keyed = q::all(conn)?
                .into_iter()
                .map(|t| {
                    let n = counts.get(&t.id).copied().unwrap_or(0);
                    let k = if by_count {
                        num_key(-n)
                    } else {
                        t.name_key.clone()
                    };
                    (k, t.id, to_out(t, n))
                })
                // The public sees a tag once a published article carries it: a tag only drafts use
                // would announce what is not published yet.
                .filter(|(_, _, t)| staff || t.article_count > 0)
                .collect::<Vec<_>>();
            let mut keyed = keyed;
            keyed.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            let (rows, total, next_cursor, has_next) = page_sorted(keyed, &p, sort_name);
            let data = rows
                .into_iter()
                .map(|t| {
                    let v = serde_json::to_value(t).unwrap_or_default();
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

async fn load_one(state: &web::Data<AppState>, key: Key, staff: bool) -> Result<Tag, ApiError> {
    state
        .db
        .run(move |conn| {
            let t = q::find(conn, &key)?.ok_or_else(|| ApiError::not_found("tag"))?;
            let n = q::article_counts(conn, Some(&[t.id]), crate::db::now())?
                .get(&t.id)
                .copied()
                .unwrap_or(0);
            if n == 0 && !staff {
                return Err(ApiError::not_found("tag"));
            }
            Ok(to_out(t, n))
        })
        .await
}

/// One tag by id or slug.
#[utoipa::path(
    tag = "tags", operation_id = "find_tag",
    params(("key" = String, Path, description = "Numeric id or slug"), GetQuery),
    responses(
        (status = 200, description = "The tag", body = Tag, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{key}")]
pub async fn find_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<GetQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    let t = load_one(&state, key(&path)?, caller.is_staff()).await?;
    Ok(single(
        &req,
        caller.is_staff(),
        &t,
        &fields,
        version_etag('t', t.id, t.version),
        None,
    ))
}

/// Create a tag (editors, admins).
#[utoipa::path(
    tag = "tags", operation_id = "create_tag", request_body = TagInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Tag, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    caller: Caller,
    input: crate::api::json::Json<TagInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let id = state
        .db
        .run(move |conn| write_tx(conn, |conn| content::create(conn, input.into_inner()?)))
        .await?;
    let t = load_one(&state, Key::Id(id), true).await?;
    Ok(written(
        &t,
        version_etag('t', t.id, t.version),
        Some(format!("/v1/tags/{id}")),
    ))
}

/// Update a tag (merge patch; editors, admins).
#[utoipa::path(
    tag = "tags", operation_id = "update_tag", request_body = TagInput,
    params(("key" = String, Path, description = "Numeric id or slug"), ("If-Match" = Option<String>, Header, description = "ETag of the version you edit")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Tag, headers(("ETag" = String))),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tags/{key}")]
pub async fn update_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    input: crate::api::json::Json<TagInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let key = key(&path)?;
    let im = common::if_match(&req);
    let id = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                content::update(conn, &key, input.into_inner()?, |t| {
                    check_if_match(im.as_deref(), &version_etag('t', t.id, t.version))
                })
            })
        })
        .await?;
    let t = load_one(&state, Key::Id(id), true).await?;
    Ok(written(&t, version_etag('t', t.id, t.version), None))
}

/// Delete a tag (editors, admins); articles simply lose it.
#[utoipa::path(
    tag = "tags", operation_id = "delete_tag",
    params(("key" = String, Path, description = "Numeric id or slug"), ("If-Match" = Option<String>, Header, description = "ETag of the version you delete")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tags/{key}")]
pub async fn delete_tag(
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
                content::delete(conn, me, &key, |t| {
                    check_if_match(im.as_deref(), &version_etag('t', t.id, t.version))
                })
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::api::collection_schema!(TagList, Tag);
