//! `/v1/tags`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{self, collection, num_key, page_sorted, Listing, PageRequest};
use crate::api::named::{self, Shown};
use crate::auth::Caller;
pub use crate::content::tags::TagInput;
use crate::content::tags::Tags;
use crate::db::models::TagRow;
use crate::db::tags as q;
use crate::db::AnyConnection;
use crate::domain::Key;
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
        .run_read(!staff, move |conn| {
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
            Ok(Listing {
                data: common::shaped(rows, &fields)?,
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(collection(&req, caller.is_staff(), &page, listing))
}

impl Shown for Tags {
    type Out = Tag;
    const ETAG: char = 't';
    const PATH: &'static str = "/v1/tags";

    /// A tag no published article carries is not public.
    fn load(conn: &mut AnyConnection, key: &Key, staff: bool, _: &str) -> Result<Tag, ApiError> {
        let t = q::find(conn, key)?.ok_or_else(|| ApiError::not_found("tag"))?;
        let n = q::article_counts(conn, Some(&[t.id]), crate::db::now())?
            .get(&t.id)
            .copied()
            .unwrap_or(0);
        if n == 0 && !staff {
            return Err(ApiError::not_found("tag"));
        }
        Ok(to_out(t, n))
    }
    fn id_version(t: &Tag) -> (i64, i64) {
        (t.id, t.version)
    }
}

named::named_routes! {
    kind = Tags, tag = "tags", out = Tag, input = TagInput, found = "The tag",
    find_tag = "/tags/{key}", " One tag by id or slug.";
    create_tag = "/tags", " Create a tag (editors, admins).";
    update_tag, " Update a tag (merge patch; editors, admins).";
    delete_tag, " Delete a tag (editors, admins); articles simply lose it.", delete_conflict = [];
}

crate::api::collection_schema!(TagList, Tag);
