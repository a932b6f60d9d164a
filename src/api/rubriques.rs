//! `/v1/rubriques`: the sections of the newspaper, a tree.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{self, collection, num_key, page_sorted, Listing, PageRequest};
use crate::api::named::{self, Shown};
use crate::auth::Caller;
use crate::content::rubriques::find_in;
pub use crate::content::rubriques::RubriqueInput;
use crate::content::rubriques::Rubriques;
use crate::db::models::{Ref, RubriqueRow};
use crate::db::rubriques as q;
use crate::db::AnyConnection;
use crate::domain::Key;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A rubrique (section).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rubrique {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "securite")]
    pub slug: String,
    #[schema(example = "Sécurité")]
    pub name: String,
    pub description: String,
    /// The parent rubrique, or null for a top-level one.
    pub parent: Option<Ref>,
    pub position: i32,
    /// Published articles filed directly in this rubrique.
    pub article_count: i64,
    pub url: String,
    pub version: i64,
    /// Sub-rubriques, with `?tree=true` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub children: Option<Vec<Rubrique>>,
}

pub const FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "description",
    "parent",
    "position",
    "article_count",
    "url",
    "version",
    "children",
];

/// Query of `GET /v1/rubriques`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Nest sub-rubriques under `children` (pages then count top-level rubriques).
    pub tree: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
    pub fields: Option<String>,
}

fn to_out(
    r: &RubriqueRow,
    all: &[RubriqueRow],
    counts: &std::collections::HashMap<i64, i64>,
    site: &str,
) -> Rubrique {
    Rubrique {
        id: r.id,
        slug: r.slug.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        parent: r
            .parent_id
            .and_then(|p| all.iter().find(|x| x.id == p))
            .map(|p| Ref {
                id: p.id,
                slug: p.slug.clone(),
                name: p.name.clone(),
            }),
        position: r.position,
        article_count: counts.get(&r.id).copied().unwrap_or(0),
        url: format!("{site}/rubriques/{}", r.slug),
        version: r.version,
        children: None,
    }
}

fn nest(parent: Option<i64>, flat: &[Rubrique], depth: usize) -> Vec<Rubrique> {
    flat.iter()
        .filter(|r| r.parent.as_ref().map(|p| p.id) == parent)
        .map(|r| Rubrique {
            children: Some(if depth < 8 {
                nest(Some(r.id), flat, depth + 1)
            } else {
                Vec::new()
            }),
            ..r.clone()
        })
        .collect()
}

/// List rubriques, ordered by `position`.
#[utoipa::path(
    tag = "rubriques", operation_id = "list_rubriques", params(ListQuery),
    responses(
        (status = 200, description = "Rubriques", body = RubriqueList),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rubriques")]
pub async fn list_rubriques(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(
        query.page,
        query.per_page,
        query.cursor.as_deref(),
        "position",
    )?;
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    let site = state.config.site_url.clone();
    let flat = state
        .db
        .run_read(!caller.is_staff(), move |conn| {
            let all = q::all(conn)?;
            let ids: Vec<i64> = all.iter().map(|r| r.id).collect();
            let counts = q::article_counts(conn, &ids, crate::db::now())?;
            Ok(all
                .iter()
                .map(|r| to_out(r, &all, &counts, &site))
                .collect::<Vec<_>>())
        })
        .await?;
    let items = if query.tree.unwrap_or(false) {
        nest(None, &flat, 0)
    } else {
        flat
    };
    let keyed = items
        .into_iter()
        .map(|r| (num_key(r.position as i64), r.id, r))
        .collect();
    let (data, total, next_cursor, has_next) = page_sorted(keyed, &page, "position");
    let data = data
        .into_iter()
        .map(|r| select(serde_json::to_value(r).unwrap_or_default(), &fields))
        .collect();
    Ok(collection(
        &req,
        caller.is_staff(),
        &page,
        Listing {
            data: common::raw_all(data),
            total,
            next_cursor,
            has_next,
        },
    ))
}

/// Applies `fields` to a rubrique and, in a tree, to its children.
fn select(
    v: serde_json::Value,
    fields: &Option<std::collections::HashSet<String>>,
) -> serde_json::Value {
    let Some(f) = fields else { return v };
    let mut v = common::keep_fields(v, f);
    if let Some(serde_json::Value::Array(children)) = v.get_mut("children") {
        for c in children.iter_mut() {
            *c = select(std::mem::take(c), fields);
        }
    }
    v
}

impl Shown for Rubriques {
    type Out = Rubrique;
    const ETAG: char = 'r';
    const PATH: &'static str = "/v1/rubriques";

    /// The tree is small and read whole (a rubrique shows its parent).
    fn load(
        conn: &mut AnyConnection,
        key: &Key,
        _: bool,
        site: &str,
    ) -> Result<Rubrique, ApiError> {
        let all = q::all(conn)?;
        let r = find_in(&all, key).ok_or_else(|| ApiError::not_found("rubrique"))?;
        let counts = q::article_counts(conn, &[r.id], crate::db::now())?;
        Ok(to_out(r, &all, &counts, site))
    }
    fn id_version(r: &Rubrique) -> (i64, i64) {
        (r.id, r.version)
    }
}

named::named_routes! {
    kind = Rubriques, tag = "rubriques", out = Rubrique, input = RubriqueInput, found = "The rubrique",
    find_rubrique = "/rubriques/{key}", " One rubrique by id or slug.";
    create_rubrique = "/rubriques", " Create a rubrique (editors, admins).";
    update_rubrique, " Update a rubrique (merge patch; editors, admins).";
    delete_rubrique, " Delete a rubrique (editors, admins): 409 while it holds articles or sub-rubriques.", delete_conflict = [(status = 409, description = "Still holds articles or sub-rubriques", body = Problem, content_type = "application/problem+json"),];
}

crate::api::collection_schema!(RubriqueList, Rubrique);
