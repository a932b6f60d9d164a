//! `GET /v1/redirects`: the old URLs of a site moved onto kiosque (recorded by `kiosque import
//! wordpress`) and where their content lives now, for a front end or a CDN to answer 301s.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{self, collection, Listing, PageRequest};
use crate::db::redirects::{self as q, Target};
use crate::domain::old_url;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// What an old URL names now.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RedirectKind {
    Article,
    Rubrique,
    Author,
    Tag,
}

/// An old URL and where its content lives now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Redirect {
    pub id: i64,
    /// The old path, in normal form: decoded, lower case, a trailing slash, only the query
    /// parameters WordPress routes on (`p`, `page_id`, `cat`, `tag`, `author`, `author_name`).
    #[schema(example = "/2024/02/22/cooperation-militaire-des-soldats-russes-a-ouagadougou/")]
    pub path: String,
    /// The status a front end answers the old URL with: always 301 (moved for good).
    #[schema(example = 301)]
    pub status: u16,
    pub kind: RedirectKind,
    /// The id of the article, rubrique, author or tag.
    pub target_id: i64,
    /// Its current slug (a later rename is followed).
    pub slug: String,
    /// Its page on the site (`KIOSQUE_SITE_URL`), as the resource's own `url` gives it.
    #[schema(example = "https://lefaso.example/articles/cooperation-militaire")]
    pub location: String,
    /// The API resource.
    #[schema(example = "/v1/articles/cooperation-militaire")]
    pub resource: String,
}

impl Redirect {
    fn from_row(r: q::Redirect, site: &str) -> Redirect {
        let (kind, id, plural) = match r.target {
            Target::Article(id) => (RedirectKind::Article, id, "articles"),
            Target::Rubrique(id) => (RedirectKind::Rubrique, id, "rubriques"),
            Target::Author(id) => (RedirectKind::Author, id, "authors"),
            Target::Tag(id) => (RedirectKind::Tag, id, "tags"),
        };
        Redirect {
            id: r.id,
            location: format!("{site}/{plural}/{}", r.slug),
            resource: format!("/v1/{plural}/{}", r.slug),
            path: r.path,
            status: 301,
            kind,
            target_id: id,
            slug: r.slug,
        }
    }
}

/// Query of `GET /v1/redirects`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RedirectQuery {
    /// An old URL or path, URL-encoded (`path=%2F%3Fp%3D123` for `/?p=123`): the page then holds
    /// the one redirect it names, found after normalising it as `path` is stored, and trying the
    /// page an AMP view, a feed, a comment page or a numbered page belongs to
    /// (`…/slug/amp/` → `…/slug/`). 404 when none. Empty: not given.
    #[param(example = "/2024/02/22/cooperation-militaire/")]
    pub path: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
}

/// Old URLs and where their content lives now, in the order they were recorded (public). A
/// redirect to an article shows only while the article is published; one whose target is deleted
/// is gone with it.
#[utoipa::path(
    tag = "redirects", operation_id = "list_redirects", params(RedirectQuery),
    responses(
        (status = 200, description = "Redirects", body = RedirectList),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A bad parameter: a path over 2000 characters, a malformed cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No redirect for this path (nor for one with nothing to look up, such as `/`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/redirects")]
pub async fn list_redirects(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: crate::auth::Caller,
    query: web::Query<RedirectQuery>,
) -> Result<HttpResponse, ApiError> {
    // A bad token is a 401 here as on every route (the extractor said so); staff answers are private.
    let private = caller.staff().is_some();
    let query = query.into_inner();
    let page = PageRequest::parse(query.page, query.per_page, query.cursor.as_deref(), "id")?;
    let site = state.config.site_url.clone();
    let p = page.clone();
    let wanted = match query.path.as_deref() {
        None | Some("") => None,
        Some(raw) if raw.len() > old_url::MAX_LEN => {
            return Err(ApiError::bad_param(
                "path",
                format!("at most {} characters", old_url::MAX_LEN),
            ))
        }
        // A path with nothing to look up (`/`, a control character) names no redirect.
        Some(raw) => Some(
            old_url::normalise(raw)
                .map(|path| {
                    let mut tries = vec![path.clone()];
                    tries.extend(old_url::parents(&path));
                    tries
                })
                .unwrap_or_default(),
        ),
    };
    let listing = state
        .db
        .run_read(!private, move |conn| {
            let now = crate::db::now();
            if let Some(tries) = wanted {
                for path in &tries {
                    if let Some(r) = q::list(conn, Some(path), None, 0, 1, now)?.pop() {
                        return Ok(Listing {
                            data: vec![common::raw(&Redirect::from_row(r, &site))],
                            total: 1,
                            next_cursor: None,
                            has_next: false,
                        });
                    }
                }
                return Err(ApiError::not_found("redirect"));
            }
            let total = q::count(conn, now)?;
            let (rows, next_cursor, has_next) = p.by_id(
                "id",
                |after, offset, limit| q::list(conn, None, after, offset, limit, now),
                |r| r.id,
            )?;
            Ok(Listing {
                data: rows
                    .into_iter()
                    .map(|r| common::raw(&Redirect::from_row(r, &site)))
                    .collect(),
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(collection(&req, private, &page, listing))
}

crate::api::collection_schema!(RedirectList, Redirect);
