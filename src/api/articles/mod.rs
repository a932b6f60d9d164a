//! `/v1/articles`: listing with filters and keyset pagination, one article, related articles, writes.

pub mod json_ld;
pub mod list;
pub mod model;
mod ranking;
pub mod related;
pub mod similar;

pub use ranking::{search_ranked, search_ranked_within};

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use self::model::{Article, ArticleInput, RelatedOut, FIELDS};
use crate::api::common::{self, check_if_match, key, version_etag};
use crate::auth::Caller;
use crate::content::articles as write;
use crate::db::articles::{self as q};
use crate::db::{links, AnyConnection};
use crate::domain::Key;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Query of `GET /v1/articles/{key}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    /// Sparse fieldset.
    pub fields: Option<String>,
    /// `html` (default), `plaintext`, or both comma-separated: which body renderings to include.
    pub formats: Option<String>,
}

/// Whether a listing must read bodies: `fields` names one, or search snippets are cut from them.
pub fn bodies_for(fields: &Option<std::collections::HashSet<String>>, search: bool) -> q::Bodies {
    let named = fields
        .as_ref()
        .is_some_and(|f| f.contains("body_html") || f.contains("body_text"));
    if named || search {
        q::Bodies::With
    } else {
        q::Bodies::Without
    }
}

/// Turns rows into the JSON items of a collection, loading their links in three queries.
pub fn to_items(
    conn: &mut AnyConnection,
    rows: Vec<crate::db::models::ArticleRow>,
    site_url: &str,
    now: chrono::NaiveDateTime,
) -> Result<Vec<Article>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let rids: Vec<i64> = rows.iter().map(|r| r.rubrique_id).collect();
    let rel = links::load(conn, &ids, &rids)?;
    Ok(rows
        .into_iter()
        .map(|r| Article::from_row(r, &rel, site_url, now))
        .collect())
}

/// Serialises collection items, honouring `fields` (the bodies and the structured data only when
/// it names them).
pub fn item_values(
    items: Vec<Article>,
    fields: &Option<std::collections::HashSet<String>>,
    (site_url, site_name): (&str, &str),
) -> Result<Vec<common::Raw>, ApiError> {
    let wants = |name: &str| fields.as_ref().is_some_and(|f| f.contains(name));
    let items = items.into_iter().map(|mut a| {
        if wants("json_ld") {
            a.json_ld = Some(a.news_article(site_url, site_name));
        }
        if !wants("body_html") {
            a.body_html = None;
        }
        if !wants("body_text") {
            a.body_text = None;
        }
        a
    });
    common::shaped(items, fields)
}

/// One article by id or slug.
///
/// The public sees published articles; staff also see the ones they may edit. Anything else is a 404,
/// so drafts do not leak their existence.
#[utoipa::path(
    tag = "articles",
    operation_id = "find_article",
    params(("key" = String, Path, description = "Numeric id or slug"), GetQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article", body = Article,
            headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not visible to this caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{key}")]
pub async fn find_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<GetQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key(&path)?;
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    // Items are trimmed of spaces and empty ones skipped; none at all (`formats=`) is the default.
    let (html, plain) = match query.formats.as_deref() {
        None => (true, false),
        Some(raw) => {
            let mut f = (false, false);
            for part in raw.split(',').map(|p| p.trim_matches(' ')) {
                match part {
                    "" => {}
                    "html" => f.0 = true,
                    "plaintext" => f.1 = true,
                    other => {
                        return Err(ApiError::bad_param(
                            "formats",
                            format!("`{other}` is not html or plaintext"),
                        ))
                    }
                }
            }
            if f == (false, false) {
                (true, false)
            } else {
                f
            }
        }
    };
    let explicit = |name: &str| fields.as_ref().is_some_and(|f| f.contains(name));
    // The plain text is read only when it is served (the source text never is).
    let bodies = if plain || explicit("body_text") {
        q::Bodies::With
    } else {
        q::Bodies::Html
    };
    let staff = caller.staff().cloned();
    let site = state.config.site_url.clone();
    let site_name = state.config.site_name.clone();
    let (mut article, updated) = state
        .db
        .run_read_short(staff.is_none(), move |conn| {
            let now = crate::db::now();
            let (row, rel, related) = match &staff {
                // The public's read is one statement, the article and its links together.
                None => match links::article_with_links(conn, &key, bodies == q::Bodies::Html)? {
                    Some((row, rel)) if write::can_see(conn, None, &row, now)? => (row, rel, None),
                    _ => return Err(ApiError::not_found("article")),
                },
                Some(s) => {
                    let row = write::load_visible_with(conn, Some(s), &key, now, bodies)?;
                    let rel = links::load(conn, &[row.id], &[row.rubrique_id])?;
                    let related = RelatedOut {
                        pinned: links::pins(conn, row.id)?,
                        enabled: row.related_enabled,
                    };
                    (row, rel, Some(related))
                }
            };
            let updated = row.updated_at;
            let mut a = Article::from_row(row, &rel, &site, now);
            a.related = related;
            a.json_ld = Some(a.news_article(&site, &site_name));
            Ok((a, updated))
        })
        .await?;
    if !html && !explicit("body_html") {
        article.body_html = None;
    }
    if !plain && !explicit("body_text") {
        article.body_text = None;
    }
    // The body names linked rubrique, authors and tags: a rename changes it without a new version,
    // so the validator is the version's plus a hash of this representation (If-Match still matches).
    let etag = version_etag('a', article.id, article.version);
    Ok(common::single(
        &req,
        caller.is_staff(),
        &article,
        &fields,
        etag,
        Some(updated),
    ))
}

/// Create an article (staff).
///
/// Contributors create drafts (or submit them as `pending`) signed by themselves; authors may also
/// publish or schedule their own; editors and admins anything. `title`, `body` and `rubrique` are required.
#[utoipa::path(
    tag = "articles",
    operation_id = "create_article",
    request_body(content = ArticleInput, example = json!({
        "title": "Coopération militaire : des soldats russes atterrissent à Ouagadougou",
        "body": "Un contingent d’instructeurs est arrivé **jeudi** à l’aéroport international de Ouagadougou.",
        "rubrique": "securite", "tags": ["Coopération militaire", "Défense"],
        "source": "AIB", "location": "Ouagadougou", "status": "draft"})),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Article, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role not allowed (e.g. a contributor publishing)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: Caller,
    input: crate::api::json::Json<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let staff = caller.require_staff()?.clone();
    let s2 = staff.clone();
    let caches = state.caches.clone();
    let id = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| write::create(conn, &s2, input.into_inner()?))
        })
        .await?;
    related::after_write(&state.db, caches, id);
    respond_article(&state, Some(staff), id, true).await
}

/// Reads an article back after a write and answers 201 or 200 with its ETag.
async fn respond_article(
    state: &web::Data<AppState>,
    staff: Option<crate::auth::Staff>,
    id: i64,
    created: bool,
) -> Result<HttpResponse, ApiError> {
    let site = state.config.site_url.clone();
    let site_name = state.config.site_name.clone();
    let article = state
        .db
        .run(move |conn| {
            let now = crate::db::now();
            let row = q::find(conn, &Key::Id(id))?.ok_or_else(|| ApiError::not_found("article"))?;
            let related = RelatedOut {
                pinned: links::pins(conn, id)?,
                enabled: row.related_enabled,
            };
            let mut a = to_items(conn, vec![row], &site, now)?.remove(0);
            if staff.is_some() {
                a.related = Some(related);
            }
            a.json_ld = Some(a.news_article(&site, &site_name));
            Ok(a)
        })
        .await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    if created {
        res.insert_header((header::LOCATION, format!("/v1/articles/{}", article.id)));
    }
    Ok(res
        .insert_header((header::ETAG, version_etag('a', article.id, article.version)))
        .insert_header((header::CACHE_CONTROL, common::PRIVATE_CACHE))
        .json(Article {
            body_text: None,
            ..article
        }))
}

/// Update an article (JSON merge patch; staff).
///
/// Send `If-Match` with the ETag you read to avoid overwriting someone else's change (412 when stale).
#[utoipa::path(
    tag = "articles",
    operation_id = "update_article",
    params(("key" = String, Path, description = "Numeric id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version you edit")),
    request_body(content = ArticleInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Article, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed for this role or article", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/articles/{key}")]
pub async fn update_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    input: crate::api::json::Json<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let staff = caller.require_staff()?.clone();
    let key = key(&path)?;
    let s2 = staff.clone();
    let im = common::if_match(&req);
    let caches = state.caches.clone();
    let id = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| {
                write::update(conn, &s2, &key, input.into_inner()?, |a| {
                    check_if_match(im.as_deref(), &version_etag('a', a.id, a.version))
                })
            })
        })
        .await?;
    related::after_write(&state.db, caches, id);
    respond_article(&state, Some(staff), id, false).await
}

/// Delete an article (staff).
#[utoipa::path(
    tag = "articles",
    operation_id = "delete_article",
    params(("key" = String, Path, description = "Numeric id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version you delete")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{key}")]
pub async fn delete_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let staff = caller.require_staff()?.clone();
    let key = key(&path)?;
    let im = common::if_match(&req);
    state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| {
                write::delete(conn, &staff, &key, |a| {
                    check_if_match(im.as_deref(), &version_etag('a', a.id, a.version))
                })
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::api::collection_schema!(ArticleList, Article);
