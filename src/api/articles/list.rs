//! `GET /v1/articles`: filters, column orders with keyset pagination, and relevance to `q`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use std::collections::HashMap;

use super::model::FIELDS;
use super::ranking::{hit, score_key};
use super::{bodies_for, item_values, search_ranked, to_items, ArticleList};
use crate::api::common::{self, collection, Listing, PageRequest};
use crate::auth::Caller;
use crate::db::articles::{self as q, Filter, Scope, SearchFilter, Sort, Start};
use crate::db::{rubriques, tags, AnyConnection};
use crate::domain::cursor::Cursor;
use crate::domain::{search, to_seconds, Key, Role, Status};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Query of `GET /v1/articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Rubrique slugs, comma-separated (any of); each includes its sub-rubriques.
    pub rubrique: Option<String>,
    /// Author slugs or ids, comma-separated (any of).
    pub author: Option<String>,
    /// Tag slugs, comma-separated (any of).
    pub tag: Option<String>,
    /// Full-text search in French, with or without accents, in any inflection. Articles matching more of
    /// the words, and rarer ones, rank higher (one word is enough to match); `"quoted phrases"` must match
    /// as written; `prefix*` matches the start of a word. Sorts by `relevance` unless `sort` says
    /// otherwise; each item then carries `search: {score, snippet}`. At most 200 characters; a query of
    /// stop words only finds nothing. Relevance ranks the best 200 matches.
    pub q: Option<String>,
    /// Published at or after this instant (RFC 3339).
    pub published_after: Option<DateTime<Utc>>,
    /// Published before this instant (RFC 3339).
    pub published_before: Option<DateTime<Utc>>,
    /// Ids or slugs to leave out, comma-separated.
    pub exclude: Option<String>,
    /// `-published_at` (default), `published_at`, `-updated_at`, `title`, `relevance` (default with `q`).
    pub sort: Option<String>,
    /// Staff only: `draft`, `pending`, `scheduled`, `published`, `archived`. Contributors and authors
    /// see only their own non-published articles.
    pub status: Option<Status>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// 1-100, default 20.
    pub per_page: Option<i64>,
    /// Opaque keyset cursor from `meta.next_cursor`.
    pub cursor: Option<String>,
    /// Sparse fieldset, e.g. `id,slug,title,excerpt`. Collections leave out `body_html` and `body_text` otherwise.
    pub fields: Option<String>,
}

/// The orders of `GET /v1/articles` (`relevance` is the default with `q`).
pub const SORTS: &[&str] = &[
    "-published_at",
    "published_at",
    "-updated_at",
    "title",
    "relevance",
];

fn parse_sort(raw: Option<&str>) -> Result<Sort, ApiError> {
    match raw.unwrap_or("-published_at") {
        "-published_at" => Ok(Sort::PublishedDesc),
        "published_at" => Ok(Sort::PublishedAsc),
        "-updated_at" => Ok(Sort::UpdatedDesc),
        "title" => Ok(Sort::Title),
        other => Err(ApiError::bad_param(
            "sort",
            format!("`{other}` is not one of -published_at, published_at, -updated_at, title"),
        )),
    }
}

/// Turns the slugs (or ids) of the `rubrique`, `author` and `tag` filters into ids; a rubrique brings
/// its sub-rubriques, and unknown values match nothing.
pub fn resolve_filters(
    conn: &mut AnyConnection,
    filter: &mut Filter,
    rubrique_slugs: Option<Vec<String>>,
    author_keys: Option<Vec<String>>,
    tag_slugs: Option<Vec<String>>,
) -> Result<(), ApiError> {
    if let Some(slugs) = rubrique_slugs {
        let all = rubriques::all(conn)?;
        let mut ids = Vec::new();
        for r in all.iter().filter(|r| slugs.contains(&r.slug)) {
            ids.extend(rubriques::with_descendants(&all, r.id));
        }
        filter.rubrique_ids = Some(ids);
    }
    if let Some(keys) = author_keys {
        let mut ids = Vec::new();
        for k in keys.iter().map(|k| Key::parse(k)) {
            if let Some(a) = crate::db::authors::find(conn, &k)? {
                ids.push(a.id);
            }
        }
        filter.author_ids = Some(ids);
    }
    if let Some(slugs) = tag_slugs {
        filter.tag_ids = Some(tags::ids_for_slugs(conn, &slugs)?);
    }
    Ok(())
}

/// The order of a listing: a column with keyset pagination, or relevance to `q`.
#[derive(Debug, Clone, Copy)]
enum ListSort {
    Column(Sort),
    Relevance,
}

impl ListSort {
    fn name(self) -> &'static str {
        match self {
            ListSort::Column(s) => s.name(),
            ListSort::Relevance => "relevance",
        }
    }
}

/// One page in a column order, by offset or keyset cursor: (rows, total, next cursor, has next).
fn column_page(
    conn: &mut AnyConnection,
    scope: &Scope,
    filter: &Filter,
    sort: Sort,
    p: &PageRequest,
    now: chrono::NaiveDateTime,
    bodies: q::Bodies,
) -> Result<
    (
        Vec<crate::db::models::ArticleRow>,
        i64,
        Option<String>,
        bool,
    ),
    ApiError,
> {
    let total = q::count(conn, scope, filter, now)?;
    let start = match &p.cursor {
        Some(c) => Start::After(c.value.clone(), c.id),
        None => Start::Offset(p.offset()),
    };
    let mut rows = q::page(
        conn,
        scope,
        filter,
        sort,
        &start,
        p.per_page + 1,
        now,
        bodies,
    )?;
    let has_next = rows.len() as i64 > p.per_page;
    rows.truncate(p.per_page as usize);
    let next_cursor = if has_next {
        rows.last().map(|r| {
            Cursor {
                sort: sort.name().into(),
                value: sort.key_of(r),
                id: r.id,
            }
            .encode()
        })
    } else {
        None
    };
    Ok((rows, total, next_cursor, has_next))
}

/// List published articles, newest first.
///
/// Filters combine with AND; comma-separated values within one filter are alternatives. Pagination by
/// `page` or by keyset `cursor` (stable under concurrent publication).
#[utoipa::path(
    tag = "articles",
    operation_id = "list_articles",
    params(ListQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of articles", body = ArticleList,
            headers(("Link" = String, description = "RFC 8288 links: self, first, next, prev, last"),
                    ("X-Total-Count" = i64, description = "Matching articles over all pages"),
                    ("ETag" = String, description = "Strong validator of this page"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Unknown parameter, bad value, per_page over 100, malformed cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A bearer token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let search = match query.q.as_deref() {
        Some(q) => Some(search::parse(q).map_err(|e| match e {
            search::QueryError::TooLong => ApiError::bad_param("q", "at most 200 characters"),
        })?),
        None => None,
    };
    // An empty `sort=` is the default; `relevance` without `q` is the default order too.
    let sort = match (query.sort.as_deref().filter(|s| !s.is_empty()), &search) {
        (None | Some("relevance"), Some(_)) => ListSort::Relevance,
        (Some("relevance"), None) => ListSort::Column(Sort::PublishedDesc),
        (s, _) => ListSort::Column(parse_sort(s)?),
    };
    let page = PageRequest::parse(
        query.page,
        query.per_page,
        query.cursor.as_deref(),
        sort.name(),
    )?;
    // A cursor of a date sort must hold a date (the sort already had to match).
    if let (Some(c), ListSort::Column(s)) = (&page.cursor, sort) {
        if s != Sort::Title && q::parse_ts(&c.value).is_none() {
            return Err(ApiError::bad_param(
                "cursor",
                "malformed, or made for another sort",
            ));
        }
    }
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    let bodies = bodies_for(&fields, search.is_some());
    let scope = match (query.status, caller.staff()) {
        (None, _) => Scope::Public,
        (Some(_), None) => {
            return Err(ApiError::unauthorized(
                "the status filter is for staff; send a bearer token",
            ))
        }
        (Some(status), Some(s)) => Scope::Status {
            status,
            own_author: s.author_id,
            all: s.at_least(Role::Editor),
        },
    };
    let rubrique_slugs = common::csv(
        "rubrique",
        query.rubrique.as_deref(),
        common::MAX_FILTER_VALUES,
    )?;
    let author_keys = common::csv("author", query.author.as_deref(), common::MAX_FILTER_VALUES)?;
    let tag_slugs = common::csv("tag", query.tag.as_deref(), common::MAX_FILTER_VALUES)?;
    let exclude = common::csv(
        "exclude",
        query.exclude.as_deref(),
        common::MAX_EXCLUDE_VALUES,
    )?
    .unwrap_or_default();
    let mut filter = Filter {
        published_after: query.published_after.map(|t| to_seconds(t.naive_utc())),
        published_before: query.published_before.map(|t| to_seconds(t.naive_utc())),
        ..Filter::default()
    };
    for e in exclude {
        match Key::parse(&e) {
            Key::Id(id) => filter.exclude_ids.push(id),
            Key::Slug(s) => filter.exclude_slugs.push(s),
        }
    }
    let site = state.config.site_url.clone();
    let site_name = state.config.site_name.clone();
    let private = caller.is_staff();
    let p = page.clone();
    let caches = state.caches.clone();
    // A page in a column order is a few index walks; a search ranks up to thousands of matches.
    let short = search.is_none();
    let work = move |conn: &mut AnyConnection| {
        let now = crate::db::now();
        resolve_filters(conn, &mut filter, rubrique_slugs, author_keys, tag_slugs)?;
        if let Some(sq) = &search {
            if sq.clauses.is_empty() {
                return Ok(Listing {
                    data: Vec::new(),
                    total: 0,
                    next_cursor: None,
                    has_next: false,
                });
            }
            filter.search = Some(SearchFilter::for_conn(conn, sq));
        }
        let (rows, total, next_cursor, has_next, scores) = match (sort, &search) {
            (ListSort::Relevance, Some(sq)) => {
                let ranked = search_ranked(conn, &caches, &scope, filter.clone(), sq, now)?;
                let scores: HashMap<i64, f64> = ranked.iter().copied().collect();
                let keyed = ranked
                    .into_iter()
                    .map(|(id, score)| (score_key(score), id, id))
                    .collect();
                let (ids, total, next, has_next) = common::page_sorted(keyed, &p, "relevance");
                (q::by_ids(conn, &ids)?, total, next, has_next, scores)
            }
            (ListSort::Column(sort), _) => {
                let scores: HashMap<i64, f64> = match &search {
                    Some(sq) => crate::db::search::scores(
                        conn,
                        &caches.frequencies,
                        sq,
                        matches!(scope, Scope::Public).then_some(now),
                    )?
                    .into_iter()
                    .collect(),
                    None => HashMap::new(),
                };
                let (rows, total, next, has_next) =
                    column_page(conn, &scope, &filter, sort, &p, now, bodies)?;
                (rows, total, next, has_next, scores)
            }
            (ListSort::Relevance, None) => {
                return Err(ApiError::bad_param("sort", "relevance needs q"))
            }
        };
        let mut items = to_items(conn, rows, &site, now)?;
        if let Some(sq) = &search {
            for a in items.iter_mut() {
                a.search = Some(hit(sq, a, scores.get(&a.id).copied().unwrap_or(0.0)));
            }
        }
        Ok(Listing {
            data: item_values(items, &fields, (&site, &site_name))?,
            total,
            next_cursor,
            has_next,
        })
    };
    let listing = if short {
        state.db.run_read_short(!private, work).await?
    } else {
        state.db.run_read(!private, work).await?
    };
    Ok(collection(&req, private, &page, listing))
}
