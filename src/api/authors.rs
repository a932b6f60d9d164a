//! `/v1/authors`: public bylines.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{self, collection, page_sorted, Listing, PageRequest};
use crate::api::named::{self, Shown};
use crate::auth::Caller;
use crate::content::authors::Authors;
pub use crate::content::authors::{AuthorInput, AuthorLink};
use crate::db::authors as q;
use crate::db::models::AuthorRow;
use crate::db::AnyConnection;
use crate::domain::Key;
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

fn to_out(a: AuthorRow, count: i64, site: &str) -> Result<Author, ApiError> {
    Ok(Author {
        url: format!("{site}/authors/{}", a.slug),
        links: common::stored_json("author links", &a.links)?,
        id: a.id,
        slug: a.slug,
        name: a.name,
        bio: a.bio,
        avatar_url: a.avatar_url,
        article_count: count,
        version: a.version,
    })
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
        .run_read(!caller.is_staff(), move |conn| {
            let all = q::all(conn)?;
            let keyed = all
                .into_iter()
                .map(|a| (a.name_key.clone(), a.id, a))
                .collect();
            let (rows, total, next_cursor, has_next) = page_sorted(keyed, &p, "name");
            let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
            let counts = q::article_counts(conn, &ids, crate::db::now())?;
            let authors = rows
                .into_iter()
                .map(|a| {
                    let n = counts.get(&a.id).copied().unwrap_or(0);
                    to_out(a, n, &site)
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(Listing {
                data: common::shaped(authors, &fields)?,
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(collection(&req, caller.is_staff(), &page, listing))
}

impl Shown for Authors {
    type Out = Author;
    const ETAG: char = 'p';
    const PATH: &'static str = "/v1/authors";

    fn load(conn: &mut AnyConnection, key: &Key, _: bool, site: &str) -> Result<Author, ApiError> {
        let a = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("author"))?;
        let n = q::article_counts(conn, &[a.id], crate::db::now())?
            .get(&a.id)
            .copied()
            .unwrap_or(0);
        to_out(a, n, site)
    }
    fn id_version(a: &Author) -> (i64, i64) {
        (a.id, a.version)
    }
}

named::named_routes! {
    kind = Authors, tag = "authors", out = Author, input = AuthorInput, found = "The author",
    find_author = "/authors/{key}", " One author by id or slug.";
    create_author = "/authors", " Create an author (editors, admins).";
    update_author, " Update an author (merge patch; editors, admins).";
    delete_author, " Delete an author (editors, admins): 409 while a byline holds it.", delete_conflict = [(status = 409, description = "Still signs articles", body = Problem, content_type = "application/problem+json"),];
}

crate::api::collection_schema!(AuthorList, Author);
