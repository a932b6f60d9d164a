//! `/v1/articles`: listing with filters and keyset pagination, one article, related articles, writes.

pub mod model;
pub mod related;
pub mod similar;

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use std::collections::HashMap;

use self::model::{Article, ArticleInput, RelatedOut, SearchHit, FIELDS};
use crate::api::common::{
    self, check_if_match, collection, key, version_etag, Listing, PageRequest,
};
use crate::auth::Caller;
use crate::content::articles as write;
use crate::db::articles::{self as q, Filter, Scope, SearchFilter, Sort, Start};
use crate::db::{links, rubriques, tags, AnyConnection};
use crate::domain::cursor::Cursor;
use crate::domain::{search, to_seconds, Key, Role, Status};
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Caches};

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

/// Articles matching `sq` within `scope` and `filter`, best first: what `sort=relevance` pages through.
pub fn search_ranked(
    conn: &mut AnyConnection,
    caches: &Caches,
    scope: &Scope,
    filter: Filter,
    sq: &search::Query,
    now: chrono::NaiveDateTime,
) -> Result<Vec<(i64, f64)>, ApiError> {
    use crate::db::search::{MAX_CANDIDATES, MAX_RANKED};
    search_ranked_within(
        conn,
        caches,
        scope,
        filter,
        sq,
        now,
        MAX_RANKED,
        MAX_CANDIDATES,
    )
}

/// [`search_ranked`] with the number of matches the database ranks at first (`budget`) and of the
/// candidates it hands to BM25F before the filters apply (`candidates`).
#[allow(clippy::too_many_arguments)]
pub fn search_ranked_within(
    conn: &mut AnyConnection,
    caches: &Caches,
    scope: &Scope,
    mut filter: Filter,
    sq: &search::Query,
    now: chrono::NaiveDateTime,
    mut budget: f64,
    candidates: i64,
) -> Result<Vec<(i64, f64)>, ApiError> {
    if sq.clauses.is_empty() {
        return Ok(Vec::new());
    }
    // The candidates already match; the filters and the caller's scope decide which may be shown.
    // A broad query is ranked within the newest matches (see db::search::Window); when the filters
    // leave too few of them, the window widens, up to the whole archive.
    use crate::db::search::{scores_within, Window};
    let public_at = matches!(scope, Scope::Public).then_some(now);
    let (stats, stamp) = crate::db::search::corpus(conn)?;
    let docs = stats.docs;
    // Public rankings are kept for a minute per generation of the statistics: readers ask the same
    // questions, and any indexing write (publishing, unpublishing, editing) moves the generation.
    let key = public_at.map(|_| (stamp, format!("{budget}|{candidates}|{sq:?}|{filter:?}")));
    if let Some(key) = &key {
        if let Some(ranked) = caches.rankings.get(key) {
            return Ok(ranked);
        }
    }
    filter.search = None;
    let ones = vec![1.0; sq.clauses.len()];
    loop {
        let scores: HashMap<i64, f64> = scores_within(
            conn,
            &caches.frequencies,
            sq,
            &ones,
            candidates,
            public_at,
            Window::Newest,
            budget,
        )?
        .into_iter()
        .collect();
        filter.only_ids = Some(scores.keys().copied().collect());
        let ranked = rank(q::ids(conn, scope, &filter, now)?, &scores);
        if ranked.len() >= ENOUGH_FILTERED || budget >= docs {
            if let Some(key) = key {
                caches.rankings.insert(key, ranked.clone());
            }
            return Ok(ranked);
        }
        budget *= 8.0;
    }
}

/// Results of a filtered search below which a windowed ranking widens (a generous first page).
const ENOUGH_FILTERED: usize = 50;

/// Visible ids ordered by relevance (best first, then by id).
fn rank(ids: Vec<i64>, scores: &HashMap<i64, f64>) -> Vec<(i64, f64)> {
    let mut ranked: Vec<(i64, f64)> = ids
        .into_iter()
        .map(|id| (id, scores.get(&id).copied().unwrap_or(0.0)))
        .collect();
    // Ties by ascending id, the order the relevance cursor pages in.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

/// A text key that sorts descending scores ascending (for the relevance cursor).
fn score_key(score: f64) -> String {
    format!("{:020.6}", 1e12 - score.clamp(0.0, 1e11))
}

/// The search block of one result: its score and a marked extract of the first field with a hit.
fn hit(sq: &search::Query, a: &Article, score: f64) -> SearchHit {
    let fields = [
        a.body_text.as_deref(),
        a.lede.as_deref(),
        Some(a.title.as_str()),
    ];
    let snippet = fields
        .into_iter()
        .flatten()
        .find_map(|t| sq.snippet(t, 30))
        .unwrap_or_else(|| search::escape(&a.excerpt));
    SearchHit {
        score: (score * 10_000.0).round() / 10_000.0,
        snippet,
    }
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

/// Serialises collection items, honouring `fields` (and leaving the bodies out by default).
pub fn item_values(
    items: Vec<Article>,
    fields: &Option<std::collections::HashSet<String>>,
) -> Vec<common::Raw> {
    items
        .into_iter()
        .map(|mut a| {
            if fields.as_ref().is_none_or(|f| !f.contains("body_html")) {
                a.body_html = None;
            }
            if fields.as_ref().is_none_or(|f| !f.contains("body_text")) {
                a.body_text = None;
            }
            match fields {
                Some(f) => common::raw(&common::keep_fields(
                    serde_json::to_value(&a).unwrap_or_default(),
                    f,
                )),
                None => common::raw(&a),
            }
        })
        .collect()
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
    let private = caller.is_staff();
    let p = page.clone();
    let caches = state.caches.clone();
    let listing = state
        .db
        .run(move |conn| {
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
                data: item_values(items, &fields),
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(collection(&req, private, &page, listing))
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
    let staff = caller.staff().cloned();
    let site = state.config.site_url.clone();
    let (mut article, updated) = state
        .db
        .run(move |conn| {
            let now = crate::db::now();
            let row = write::load_visible(conn, staff.as_ref(), &key, now)?;
            let updated = row.updated_at;
            let related = match &staff {
                Some(_) => Some(RelatedOut {
                    pinned: links::pins(conn, row.id)?,
                    enabled: row.related_enabled,
                }),
                None => None,
            };
            let mut a = to_items(conn, vec![row], &site, now)?.remove(0);
            a.related = related;
            Ok((a, updated))
        })
        .await?;
    let explicit = |name: &str| fields.as_ref().is_some_and(|f| f.contains(name));
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
    let id = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| write::create(conn, &s2, input.into_inner()?))
        })
        .await?;
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
