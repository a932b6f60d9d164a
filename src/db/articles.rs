//! Article queries: the visibility scope, filtered keyset listing, related articles, writes.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::ArticleRow;
use super::schema::{article_authors, article_tags, articles};
use super::{AnyConnection, MultiBackend, PUBLISHED};
use crate::domain::{Key, Status};

type Boxed<'a> = articles::BoxedQuery<'a, MultiBackend>;

/// Which articles a caller may see in a listing.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Published and due: what the public sees.
    Public,
    /// One status, for staff; `own_author` limits non-public statuses to that author's byline
    /// (contributors and authors), `None` sees everyone's (editors and admins).
    Status {
        status: Status,
        own_author: Option<i64>,
        all: bool,
    },
}

/// Filters of a listing, already resolved to ids.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub rubrique_ids: Option<Vec<i64>>,
    pub author_ids: Option<Vec<i64>>,
    pub tag_ids: Option<Vec<i64>>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub exclude_ids: Vec<i64>,
    pub exclude_slugs: Vec<String>,
    /// Only articles matching this full-text query (a backend-specific expression).
    pub search: Option<SearchFilter>,
    /// Only these articles (search candidates).
    pub only_ids: Option<Vec<i64>>,
}

/// A full-text condition, in the dialect of the connection it will run on.
#[derive(Debug, Clone)]
pub enum SearchFilter {
    /// An FTS5 MATCH expression.
    Sqlite(String),
    /// A `to_tsquery('simple', …)` expression.
    Postgres(String),
}

impl SearchFilter {
    pub fn for_conn(conn: &AnyConnection, q: &crate::domain::search::Query) -> SearchFilter {
        match conn {
            AnyConnection::Sqlite(_) => SearchFilter::Sqlite(super::search::syntax::fts5(q)),
            AnyConnection::Postgresql(_) => {
                SearchFilter::Postgres(super::search::syntax::tsquery(q))
            }
        }
    }
}

/// The listing sorts, with the column each one pages on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    PublishedDesc,
    PublishedAsc,
    UpdatedDesc,
    Title,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::PublishedDesc => "-published_at",
            Sort::PublishedAsc => "published_at",
            Sort::UpdatedDesc => "-updated_at",
            Sort::Title => "title",
        }
    }
    /// The keyset value of a row for this sort, as stored in a cursor.
    pub fn key_of(self, a: &ArticleRow) -> String {
        match self {
            Sort::PublishedDesc | Sort::PublishedAsc => fmt_ts(a.sort_at),
            Sort::UpdatedDesc => fmt_ts(a.updated_at),
            Sort::Title => a.title_key.clone(),
        }
    }
}

fn fmt_ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Parses a cursor's timestamp value.
pub fn parse_ts(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok()
}

/// The public scope of [`filtered`], for rows read by key: published and due.
fn is_public(status: &str, sort_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    status == PUBLISHED && sort_at <= now
}

/// The visible, filtered set as a boxed query (shared by the count and the page).
fn filtered<'a>(scope: &Scope, f: &Filter, now: NaiveDateTime) -> Boxed<'a> {
    let mut q = articles::table.into_boxed();
    q = match scope {
        Scope::Public => q
            .filter(articles::status.eq(PUBLISHED))
            .filter(articles::sort_at.le(now)),
        Scope::Status {
            status,
            own_author,
            all,
        } => {
            let mut q = q.filter(articles::status.eq(status.stored()));
            q = match status {
                Status::Published => q.filter(articles::sort_at.le(now)),
                Status::Scheduled => q.filter(articles::sort_at.gt(now)),
                _ => q,
            };
            if !*all && *status != Status::Published {
                let own = own_author.unwrap_or(-1);
                q = q.filter(
                    articles::id.eq_any(
                        article_authors::table
                            .filter(article_authors::author_id.eq(own))
                            .select(article_authors::article_id),
                    ),
                );
            }
            q
        }
    };
    if let Some(ids) = &f.rubrique_ids {
        q = q.filter(articles::rubrique_id.eq_any(ids.clone()));
    }
    if let Some(ids) = &f.author_ids {
        q = q.filter(
            articles::id.eq_any(
                article_authors::table
                    .filter(article_authors::author_id.eq_any(ids.clone()))
                    .select(article_authors::article_id),
            ),
        );
    }
    if let Some(ids) = &f.tag_ids {
        q = q.filter(
            articles::id.eq_any(
                article_tags::table
                    .filter(article_tags::tag_id.eq_any(ids.clone()))
                    .select(article_tags::article_id),
            ),
        );
    }
    if let Some(t) = f.published_after {
        q = q.filter(articles::sort_at.ge(t));
    }
    if let Some(t) = f.published_before {
        q = q.filter(articles::sort_at.lt(t));
    }
    if !f.exclude_ids.is_empty() {
        q = q.filter(articles::id.ne_all(f.exclude_ids.clone()));
    }
    if !f.exclude_slugs.is_empty() {
        q = q.filter(articles::slug.ne_all(f.exclude_slugs.clone()));
    }
    if let Some(ids) = &f.only_ids {
        q = q.filter(articles::id.eq_any(ids.clone()));
    }
    if let Some(search) = &f.search {
        use diesel::dsl::sql;
        use diesel::sql_types::{Bool, Text};
        q = match search {
            SearchFilter::Sqlite(m) => q.filter(
                sql::<Bool>("articles.id IN (SELECT rowid FROM article_search WHERE article_search MATCH ")
                    .bind::<Text, _>(m.clone())
                    .sql(")"),
            ),
            SearchFilter::Postgres(t) => q.filter(
                sql::<Bool>("articles.id IN (SELECT article_id FROM article_search WHERE document @@ to_tsquery('simple', ")
                    .bind::<Text, _>(t.clone())
                    .sql("))"),
            ),
        };
    }
    q
}

/// The ids of the visible, filtered set (for ranking search results in Rust).
pub fn ids(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    filtered(scope, f, now).select(articles::id).load(conn)
}

/// Articles by id, in the order given (the caller has already decided they may be shown).
pub fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<ArticleRow>> {
    let rows: Vec<ArticleRow> = articles::table
        .filter(articles::id.eq_any(ids.to_vec()))
        .select(ArticleRow::as_select())
        .load(conn)?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.iter().find(|r| r.id == *id).cloned())
        .collect())
}

/// How many articles match. The public count of everything, or of some rubriques (the front page
/// and the rubrique pages), comes from the writer-kept per-rubrique counts less the scheduled
/// articles not yet due, without counting every published article.
pub fn count(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    if matches!(scope, Scope::Public) && f.only_rubriques() {
        return public_count(conn, f.rubrique_ids.as_deref(), now);
    }
    filtered(scope, f, now).count().get_result(conn)
}

impl Filter {
    /// No filter but (perhaps) rubriques.
    fn only_rubriques(&self) -> bool {
        self.author_ids.is_none()
            && self.tag_ids.is_none()
            && self.published_after.is_none()
            && self.published_before.is_none()
            && self.exclude_ids.is_empty()
            && self.exclude_slugs.is_empty()
            && self.search.is_none()
            && self.only_ids.is_none()
    }
}

/// Published and due articles, in `rubriques` (all when None), from `article_counts`.
fn public_count(
    conn: &mut AnyConnection,
    rubriques: Option<&[i64]>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    if rubriques.is_some_and(|r| r.is_empty()) {
        return Ok(0);
    }
    let ids: Vec<i64> = rubriques.map(<[i64]>::to_vec).unwrap_or_default();
    // One statement, so that both parts see the same moment. Scheduled articles are stored
    // published with a future sort_at: few, found by the status index.
    let sql = |pg: bool| {
        // Numbered on both (SQLite's ?NNN), as the rubrique ids appear twice.
        let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
        let list: Vec<String> = (2..ids.len() + 2).map(p).collect();
        let (stored, due) = if rubriques.is_some() {
            (
                format!(" WHERE rubrique_id IN ({})", list.join(", ")),
                format!(" AND rubrique_id IN ({})", list.join(", ")),
            )
        } else {
            (String::new(), String::new())
        };
        format!(
            "SELECT CAST(COALESCE((SELECT SUM(published) FROM article_counts{stored}), 0) AS BIGINT) \
             - (SELECT count(*) FROM articles WHERE status = 'published' AND sort_at > {}{due}) AS n",
            p(1)
        )
    };
    let n: N = match conn {
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(sql(false))
                .into_boxed::<diesel::sqlite::Sqlite>()
                .bind::<diesel::sql_types::Timestamp, _>(now);
            for id in &ids {
                q = q.bind::<diesel::sql_types::BigInt, _>(*id);
            }
            crate::db::Reused(q).get_result(c)?
        }
        AnyConnection::Postgresql(c) => {
            let mut q = diesel::sql_query(sql(true))
                .into_boxed::<diesel::pg::Pg>()
                .bind::<diesel::sql_types::Timestamp, _>(now);
            for id in &ids {
                q = q.bind::<diesel::sql_types::BigInt, _>(*id);
            }
            q.get_result(c)?
        }
    };
    Ok(n.n)
}

/// Recounts the published articles of some rubriques into `article_counts` (in the writer's
/// transaction, after an article of theirs was written or deleted).
fn recount(conn: &mut AnyConnection, rubriques: &[i64]) -> QueryResult<()> {
    let mut rubriques = rubriques.to_vec();
    rubriques.sort_unstable();
    rubriques.dedup();
    for r in rubriques {
        let sql = |pg: bool| {
            let p = super::placeholders(pg, 1, 2);
            let (a, b) = p.split_once(", ").unwrap_or_default();
            format!(
                "INSERT INTO article_counts (rubrique_id, published) \
                 SELECT {a}, (SELECT count(*) FROM articles WHERE rubrique_id = {b} AND status = 'published') \
                 WHERE 1 = 1 \
                 ON CONFLICT (rubrique_id) DO UPDATE SET published = excluded.published"
            )
        };
        dyn_query!(conn, sql, [r, r], diesel::sql_types::BigInt, execute)?;
    }
    Ok(())
}

/// Rebuilds `article_counts` from the articles (at start-up and with the search index: a repair for
/// counts written by an older version or by hand).
pub fn rebuild_counts(conn: &mut AnyConnection) -> QueryResult<()> {
    for sql in [
        "DELETE FROM article_counts",
        "INSERT INTO article_counts (rubrique_id, published) \
         SELECT rubrique_id, count(*) FROM articles WHERE status = 'published' GROUP BY rubrique_id",
    ] {
        let none: [i64; 0] = [];
        dyn_query!(conn, |_| sql.to_owned(), none, diesel::sql_types::BigInt, execute)?;
    }
    Ok(())
}

/// The rubrique an article is in now.
fn rubrique_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<i64>> {
    articles::table
        .filter(articles::id.eq(id))
        .select(articles::rubrique_id)
        .first(conn)
        .optional()
}

/// Where a page starts: an offset, or after a keyset position `(sort value, id)`.
pub enum Start {
    Offset(i64),
    After(String, i64),
}

/// [`ArticleRow`]'s columns with empty bodies (`body`, `body_html`, `body_text`): what a listing reads
/// when it shows no body (a page of 20 would otherwise read, check and copy three copies of each).
macro_rules! columns_without_bodies {
    () => {{
        use diesel::dsl::sql;
        use diesel::sql_types::Text;
        (
            articles::id,
            articles::slug,
            articles::title,
            articles::title_key,
            articles::kicker,
            articles::lede,
            articles::excerpt,
            articles::excerpt_given,
            sql::<Text>("''"),
            articles::body_format,
            sql::<Text>("''"),
            sql::<Text>("''"),
            articles::status,
            articles::published_at,
            articles::sort_at,
            articles::rubrique_id,
            articles::featured_image,
            articles::source,
            articles::location,
            articles::language,
            articles::word_count,
            articles::reading_time_minutes,
            articles::related_enabled,
            articles::version,
            articles::created_at,
            articles::updated_at,
        )
    }};
}

/// Whether a listing reads the articles' bodies (for a body field, a feed or a search snippet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    With,
    Without,
}

/// One page of rows (`limit` of them at most), in the order of `sort`.
#[allow(clippy::too_many_arguments)]
pub fn page(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    sort: Sort,
    start: &Start,
    limit: i64,
    now: NaiveDateTime,
    bodies: Bodies,
) -> QueryResult<Vec<ArticleRow>> {
    let mut q = filtered(scope, f, now);
    if let Start::After(value, id) = start {
        let id = *id;
        q = match sort {
            Sort::PublishedDesc | Sort::PublishedAsc | Sort::UpdatedDesc => {
                let Some(t) = parse_ts(value) else {
                    return Ok(Vec::new());
                };
                match sort {
                    Sort::PublishedDesc => q.filter(
                        articles::sort_at
                            .lt(t)
                            .or(articles::sort_at.eq(t).and(articles::id.lt(id))),
                    ),
                    Sort::PublishedAsc => q.filter(
                        articles::sort_at
                            .gt(t)
                            .or(articles::sort_at.eq(t).and(articles::id.gt(id))),
                    ),
                    _ => q.filter(
                        articles::updated_at
                            .lt(t)
                            .or(articles::updated_at.eq(t).and(articles::id.lt(id))),
                    ),
                }
            }
            Sort::Title => q.filter(
                articles::title_key.gt(value.clone()).or(articles::title_key
                    .eq(value.clone())
                    .and(articles::id.gt(id))),
            ),
        };
    }
    q = match sort {
        Sort::PublishedDesc => q.order((articles::sort_at.desc(), articles::id.desc())),
        Sort::PublishedAsc => q.order((articles::sort_at.asc(), articles::id.asc())),
        Sort::UpdatedDesc => q.order((articles::updated_at.desc(), articles::id.desc())),
        Sort::Title => q.order((articles::title_key.asc(), articles::id.asc())),
    };
    if let Start::Offset(n) = start {
        q = q.offset(*n);
    }
    match bodies {
        Bodies::With => q.limit(limit).select(ArticleRow::as_select()).load(conn),
        Bodies::Without => q
            .limit(limit)
            .select(columns_without_bodies!())
            .load::<ArticleRow>(conn),
    }
}

/// One article by id or slug, whatever its status (the caller decides what may be seen).
pub fn find(conn: &mut AnyConnection, key: &Key) -> QueryResult<Option<ArticleRow>> {
    let q = articles::table.select(ArticleRow::as_select()).into_boxed();
    let q = match key {
        Key::Id(id) => q.filter(articles::id.eq(*id)),
        Key::Slug(s) => q.filter(articles::slug.eq(s.clone())),
    };
    q.first(conn).optional()
}

/// Published, due articles by id, in the order given (for pinned related articles).
pub fn visible_by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<ArticleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // By primary key, visibility checked here: with the scope's conditions in SQL, a planner may walk
    // the (status, sort_at) index over every published article instead.
    let rows: HashMap<i64, ArticleRow> = articles::table
        .filter(articles::id.eq_any(ids.to_vec()))
        .select(ArticleRow::as_select())
        .load::<ArticleRow>(conn)?
        .into_iter()
        .filter(|r| is_public(&r.status, r.sort_at, now))
        .map(|r| (r.id, r))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.get(id).cloned()).collect())
}

/// What ranking related articles needs of a candidate (no body: candidates are many, cards few).
#[derive(Debug, Clone)]
pub struct Brief {
    pub id: i64,
    pub title: String,
    pub rubrique_id: i64,
    pub sort_at: NaiveDateTime,
}

/// [`visible_by_ids`] reading [`Brief`]s only.
pub fn visible_briefs(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<Brief>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: HashMap<i64, Brief> = articles::table
        .filter(articles::id.eq_any(ids.to_vec()))
        .select((
            articles::id,
            articles::title,
            articles::rubrique_id,
            articles::sort_at,
            articles::status,
        ))
        .load::<(i64, String, i64, NaiveDateTime, String)>(conn)?
        .into_iter()
        .filter(|r| is_public(&r.4, r.3, now))
        .map(|(id, title, rubrique_id, sort_at, _)| {
            (
                id,
                Brief {
                    id,
                    title,
                    rubrique_id,
                    sort_at,
                },
            )
        })
        .collect();
    Ok(ids.iter().filter_map(|id| rows.get(id).cloned()).collect())
}

/// Published articles sharing the most tags with `tag_ids`, then the newest: `(id, shared tags)`.
pub fn sharing_tags(
    conn: &mut AnyConnection,
    tag_ids: &[i64],
    exclude: &[i64],
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    if tag_ids.is_empty() {
        return Ok(Vec::new());
    }
    article_tags::table
        .inner_join(articles::table)
        .filter(article_tags::tag_id.eq_any(tag_ids))
        .filter(articles::id.ne_all(exclude))
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::sort_at.le(now))
        .group_by((articles::id, articles::sort_at))
        .order((
            diesel::dsl::count_star().desc(),
            articles::sort_at.desc(),
            articles::id.desc(),
        ))
        .select((articles::id, diesel::dsl::count_star()))
        .limit(limit)
        .load(conn)
}

/// The values an article write stores (everything but the links).
pub struct ArticleWrite {
    pub slug: String,
    pub title: String,
    pub kicker: Option<String>,
    pub lede: Option<String>,
    pub excerpt: String,
    pub excerpt_given: bool,
    pub body: String,
    pub body_format: String,
    pub body_html: String,
    pub body_text: String,
    /// As stored: never `Scheduled` (a scheduled article is published with a future instant).
    pub status: Status,
    pub published_at: Option<NaiveDateTime>,
    pub rubrique_id: i64,
    pub featured_image: Option<String>,
    pub source: Option<String>,
    pub location: Option<String>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub related_enabled: bool,
}

impl ArticleWrite {
    /// The instant the article sorts by: its publication, or its creation while it has none.
    fn sort_at(&self, created: NaiveDateTime) -> NaiveDateTime {
        self.published_at.unwrap_or(created)
    }
}

pub fn insert(conn: &mut AnyConnection, w: &ArticleWrite, now: NaiveDateTime) -> QueryResult<i64> {
    let id = diesel::insert_into(articles::table)
        .values((
            (
                articles::slug.eq(&w.slug),
                articles::title.eq(&w.title),
                articles::title_key.eq(crate::domain::sort_key(&w.title)),
                articles::kicker.eq(&w.kicker),
                articles::lede.eq(&w.lede),
                articles::excerpt.eq(&w.excerpt),
                articles::excerpt_given.eq(w.excerpt_given),
                articles::body.eq(&w.body),
                articles::body_format.eq(&w.body_format),
                articles::body_html.eq(&w.body_html),
                articles::body_text.eq(&w.body_text),
                articles::status.eq(w.status.stored()),
            ),
            (
                articles::published_at.eq(w.published_at),
                articles::sort_at.eq(w.sort_at(now)),
                articles::rubrique_id.eq(w.rubrique_id),
                articles::featured_image.eq(&w.featured_image),
                articles::source.eq(&w.source),
                articles::location.eq(&w.location),
                articles::language.eq(&w.language),
                articles::word_count.eq(w.word_count),
                articles::reading_time_minutes.eq(w.reading_time_minutes),
                articles::related_enabled.eq(w.related_enabled),
                articles::version.eq(1),
                articles::created_at.eq(now),
                articles::updated_at.eq(now),
            ),
        ))
        .returning(articles::id)
        .get_result(conn)?;
    recount(conn, &[w.rubrique_id])?;
    Ok(id)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    created_at: NaiveDateTime,
    w: &ArticleWrite,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let before = rubrique_of(conn, id)?;
    let n = diesel::update(articles::table.filter(articles::id.eq(id)))
        .set((
            (
                articles::slug.eq(&w.slug),
                articles::title.eq(&w.title),
                articles::title_key.eq(crate::domain::sort_key(&w.title)),
                articles::kicker.eq(&w.kicker),
                articles::lede.eq(&w.lede),
                articles::excerpt.eq(&w.excerpt),
                articles::excerpt_given.eq(w.excerpt_given),
                articles::body.eq(&w.body),
                articles::body_format.eq(&w.body_format),
                articles::body_html.eq(&w.body_html),
                articles::body_text.eq(&w.body_text),
                articles::status.eq(w.status.stored()),
            ),
            (
                articles::published_at.eq(w.published_at),
                articles::sort_at.eq(w.sort_at(created_at)),
                articles::rubrique_id.eq(w.rubrique_id),
                articles::featured_image.eq(&w.featured_image),
                articles::source.eq(&w.source),
                articles::location.eq(&w.location),
                articles::language.eq(&w.language),
                articles::word_count.eq(w.word_count),
                articles::reading_time_minutes.eq(w.reading_time_minutes),
                articles::related_enabled.eq(w.related_enabled),
                articles::version.eq(articles::version + 1),
                articles::updated_at.eq(now),
            ),
        ))
        .execute(conn)?;
    recount(conn, &[before.unwrap_or(w.rubrique_id), w.rubrique_id])?;
    Ok(n)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    let before = rubrique_of(conn, id)?;
    let n = diesel::delete(articles::table.filter(articles::id.eq(id))).execute(conn)?;
    recount(conn, &before.into_iter().collect::<Vec<_>>())?;
    Ok(n)
}

pub fn slug_taken(conn: &mut AnyConnection, slug: &str, except: Option<i64>) -> QueryResult<bool> {
    let n: i64 = articles::table
        .filter(articles::slug.eq(slug))
        .filter(articles::id.ne(except.unwrap_or(-1)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
