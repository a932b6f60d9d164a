//! Article queries: the visibility scope, filtered keyset listing, related candidates; the
//! counts ([`counts`]) and the writes ([`write`]) beside.

mod counts;
mod write;

use counts::public_count;
pub use counts::{add_published, by_author, by_rubrique, by_tag, horizon, rebuild_counts, sweep};
pub use write::*;

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
pub fn is_public(status: &str, sort_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    status == PUBLISHED && sort_at <= now
}

/// The visible, filtered set as a boxed query (shared by the count and the page).
fn filtered<'a>(scope: &Scope, f: &Filter, now: NaiveDateTime) -> Boxed<'a> {
    filtered_below(scope, f, now, None, true)
}

/// [`filtered`], with `sort_at` at most `upper` too. One bound, the lower of `now` and `upper`,
/// where the scope bounds `sort_at` by `now` already: given two, SQLite seeks by one and filters by
/// the other, and took the one of `now`, walking the index from the newest article down to a deep
/// cursor (100 ms deep in 100,000 articles, instead of a seek).
///
/// `seek_by_date`: whether the page is in date order. In another order (last updated, title) the
/// bound on `sort_at` is written so that no index can seek by it: SQLite, which keeps no statistics,
/// took the date index for it and sorted every published article for one page (419 ms for
/// `sort=-updated_at` at 100,000 articles); now it walks the order's index, which holds `sort_at` to
/// check the bound without reading the row.
fn filtered_below<'a>(
    scope: &Scope,
    f: &Filter,
    now: NaiveDateTime,
    upper: Option<NaiveDateTime>,
    seek_by_date: bool,
) -> Boxed<'a> {
    let mut q = articles::table.into_boxed();
    let below_now = upper.map_or(now, |u| u.min(now));
    let due = |q: Boxed<'a>| -> Boxed<'a> {
        if seek_by_date {
            q.filter(articles::sort_at.le(below_now))
        } else {
            q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "COALESCE(articles.sort_at, articles.sort_at) <= ",
                )
                .bind::<diesel::sql_types::Timestamp, _>(below_now),
            )
        }
    };
    q = match scope {
        Scope::Public => due(q.filter(articles::status.eq(PUBLISHED))),
        Scope::Status {
            status,
            own_author,
            all,
        } => {
            let mut q = q.filter(articles::status.eq(status.stored()));
            q = match (status, upper) {
                (Status::Published, _) => due(q),
                (Status::Scheduled, Some(u)) => q
                    .filter(articles::sort_at.gt(now))
                    .filter(articles::sort_at.le(u)),
                (Status::Scheduled, None) => q.filter(articles::sort_at.gt(now)),
                (_, Some(u)) => q.filter(articles::sort_at.le(u)),
                (_, None) => q,
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
    if f.narrows() {
        q = q.filter(PlannedPerRun);
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
/// and the rubrique pages), comes from the writer-kept per-rubrique counts (see `counts`), and that
/// of one tag from the kept per-tag counts, without counting every published article.
pub fn count(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    // Excluded articles (the article being read, under its "other articles"): the total without
    // them, less those of them in it; the first takes the kept counts where it can, where a
    // count with the exclusion counted every published article (12 ms at 100,000 on SQLite).
    if !f.exclude_ids.is_empty() || !f.exclude_slugs.is_empty() {
        let kept = Filter {
            exclude_ids: Vec::new(),
            exclude_slugs: Vec::new(),
            ..f.clone()
        };
        let all = count(conn, scope, &kept, now)?;
        // The excluded rows read by key (ids and slugs apart: beside the scope's conditions SQLite
        // walked the date index of every published article to find the few, and an empty `IN ()`
        // in an OR, `1 = 0`, made it scan the table).
        let mut rows: Vec<(i64, String, NaiveDateTime, i64)> = Vec::new();
        let cols = (
            articles::id,
            articles::status,
            articles::sort_at,
            articles::rubrique_id,
        );
        if !f.exclude_ids.is_empty() {
            rows.extend(
                articles::table
                    .filter(articles::id.eq_any(f.exclude_ids.clone()))
                    .select(cols)
                    .load::<(i64, String, NaiveDateTime, i64)>(conn)?,
            );
        }
        if !f.exclude_slugs.is_empty() {
            rows.extend(
                articles::table
                    .filter(articles::slug.eq_any(f.exclude_slugs.clone()))
                    .select(cols)
                    .load::<(i64, String, NaiveDateTime, i64)>(conn)?,
            );
        }
        rows.sort_unstable_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        let excluded = if matches!(scope, Scope::Public) && kept.only_rubriques() {
            // Checked here against the public scope and the rubriques.
            rows.iter()
                .filter(|(_, status, sort_at, rubrique)| {
                    is_public(status, *sort_at, now)
                        && kept
                            .rubrique_ids
                            .as_ref()
                            .is_none_or(|r| r.contains(rubrique))
                })
                .count() as i64
        } else if rows.is_empty() {
            0
        } else {
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            filtered(scope, &kept, now)
                .filter(articles::id.eq_any(ids))
                .count()
                .get_result(conn)?
        };
        return Ok(all - excluded);
    }
    if matches!(scope, Scope::Public) && f.only_rubriques() {
        return public_count(conn, f.rubrique_ids.as_deref(), now);
    }
    if let (Scope::Public, Some(tag)) = (scope, f.only_one_tag()) {
        return counts::tag_public_count(conn, tag, now);
    }
    if let (Scope::Public, Some(author)) = (scope, f.only_one_author()) {
        return counts::author_public_count(conn, author, now);
    }
    filtered(scope, f, now).count().get_result(conn)
}

impl Filter {
    /// Whether a rubrique, author, tag, id or search filter applies: its best plan depends on the
    /// values (a rare tag is read from its links, a common one by walking the date index).
    fn narrows(&self) -> bool {
        self.rubrique_ids.is_some()
            || self.author_ids.is_some()
            || self.tag_ids.is_some()
            || self.only_ids.is_some()
            || self.search.is_some()
    }

    /// The tag when the filter is one tag and nothing else.
    fn only_one_tag(&self) -> Option<i64> {
        let rest = Filter {
            tag_ids: None,
            ..self.clone()
        };
        alone(self.tag_ids.as_deref(), &rest)
    }

    /// The author when the filter is one author and nothing else.
    fn only_one_author(&self) -> Option<i64> {
        let rest = Filter {
            author_ids: None,
            ..self.clone()
        };
        alone(self.author_ids.as_deref(), &rest)
    }

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

/// The one id of `ids` when it is all the filter holds besides `rest` and `rest` filters nothing.
fn alone(ids: Option<&[i64]>, rest: &Filter) -> Option<i64> {
    match ids {
        Some([one]) => (rest.only_rubriques() && rest.rubrique_ids.is_none()).then_some(*one),
        _ => None,
    }
}

/// Where a page starts: an offset, or after a keyset position `(sort value, id)`.
pub enum Start {
    Offset(i64),
    After(String, i64),
}

/// [`ArticleRow`]'s columns with empty bodies (`body`, `body_html`, `body_text`): what a listing reads
/// when it shows no body (a page of 20 would otherwise read, check and copy three copies of each).
macro_rules! article_columns {
    ($body:expr, $html:expr, $text:expr) => {
        (
            articles::id,
            articles::slug,
            articles::title,
            articles::title_key,
            articles::kicker,
            articles::lede,
            articles::excerpt,
            articles::excerpt_given,
            $body,
            articles::body_format,
            $html,
            $text,
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
    };
}

macro_rules! columns_without_bodies {
    () => {
        article_columns!(
            $crate::db::articles::Blank,
            $crate::db::articles::Blank,
            $crate::db::articles::Blank
        )
    };
}

/// [`ArticleRow`]'s columns with the HTML body only: what one article's public read serves by
/// default (its source text and plain text are neither shown nor read).
macro_rules! columns_with_html {
    () => {
        article_columns!(
            $crate::db::articles::Blank,
            articles::body_html,
            $crate::db::articles::Blank
        )
    };
}

/// A constant SQL fragment as an expression of type `$ty`; `per_run` makes diesel plan the statement
/// holding it at every run instead of preparing it once.
macro_rules! constant_sql {
    ($(#[$doc:meta])* $name:ident: $ty:ty = $sql:literal, per_run = $per_run:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
        pub struct $name;

        impl diesel::expression::Expression for $name {
            type SqlType = $ty;
        }

        impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for $name {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
            ) -> QueryResult<()> {
                if $per_run {
                    out.unsafe_to_cache_prepared();
                }
                out.push_sql($sql);
                Ok(())
            }
        }

        impl<QS> diesel::expression::SelectableExpression<QS> for $name {}
        impl<QS> diesel::expression::AppearsOnTable<QS> for $name {}
        impl<GB> diesel::expression::ValidGrouping<GB> for $name {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }
    };
}

constant_sql!(
    /// The empty text `''` as a selected column. Unlike `diesel::dsl::sql("''")`, a statement holding
    /// it may still be prepared once and reused (a raw SQL fragment makes diesel plan the whole
    /// statement again at every run, on PostgreSQL the larger part of a list page's cost).
    Blank: diesel::sql_types::Text = "''", per_run = false
);

constant_sql!(
    /// The condition `1 = 1`, which makes diesel plan the statement holding it at every run instead
    /// of preparing it once: PostgreSQL would switch a prepared statement to one plan for all values
    /// after five runs, and a filtered set's best plan depends on the values.
    PlannedPerRun: diesel::sql_types::Bool = "1 = 1", per_run = true
);

/// Whether a listing reads the articles' bodies (for a body field, a feed or a search snippet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    With,
    Without,
    /// The HTML body only.
    Html,
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
    // Each keyset condition comes with a plain bound on its column: `a < v OR (a = v AND …)` alone
    // is no range to the planner. For the newest-first order that bound joins the scope's own.
    let upper = match (sort, start) {
        (Sort::PublishedDesc, Start::After(value, _)) => parse_ts(value),
        _ => None,
    };
    let by_date = matches!(sort, Sort::PublishedDesc | Sort::PublishedAsc);
    let mut q = filtered_below(scope, f, now, upper, by_date);
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
                    Sort::PublishedAsc => q.filter(articles::sort_at.ge(t)).filter(
                        articles::sort_at
                            .gt(t)
                            .or(articles::sort_at.eq(t).and(articles::id.gt(id))),
                    ),
                    _ => q.filter(articles::updated_at.le(t)).filter(
                        articles::updated_at
                            .lt(t)
                            .or(articles::updated_at.eq(t).and(articles::id.lt(id))),
                    ),
                }
            }
            Sort::Title => q.filter(articles::title_key.ge(value.clone())).filter(
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
        Bodies::Html => q
            .limit(limit)
            .select(columns_with_html!())
            .load::<ArticleRow>(conn),
    }
}

/// One article by id or slug, whatever its status (the caller decides what may be seen).
pub fn find(conn: &mut AnyConnection, key: &Key) -> QueryResult<Option<ArticleRow>> {
    find_with(conn, key, Bodies::With)
}

/// [`find`], reading the bodies `bodies` names. Each form is a statement of its own type, so the
/// connection finds it prepared by that type alone (a boxed query writes its SQL text out at every
/// run to look it up).
pub fn find_with(
    conn: &mut AnyConnection,
    key: &Key,
    bodies: Bodies,
) -> QueryResult<Option<ArticleRow>> {
    macro_rules! by_key {
        ($columns:expr) => {
            match key {
                Key::Id(id) => articles::table
                    .filter(articles::id.eq(*id))
                    .select($columns)
                    .first::<ArticleRow>(conn)
                    .optional(),
                Key::Slug(s) => articles::table
                    .filter(articles::slug.eq(s.as_str()))
                    .select($columns)
                    .first::<ArticleRow>(conn)
                    .optional(),
            }
        };
    }
    match bodies {
        Bodies::With => by_key!(ArticleRow::as_select()),
        Bodies::Without => by_key!(columns_without_bodies!()),
        Bodies::Html => by_key!(columns_with_html!()),
    }
}

/// Published, due articles by id, in the order given (for pinned related articles).
pub fn visible_by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<ArticleRow>> {
    visible_by_ids_with(conn, ids, now, Bodies::With)
}

/// [`visible_by_ids`], with or without the bodies (related cards that show none read none).
pub fn visible_by_ids_with(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
    bodies: Bodies,
) -> QueryResult<Vec<ArticleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // By primary key, visibility checked here: with the scope's conditions in SQL, a planner may walk
    // the (status, sort_at) index over every published article instead.
    let q = articles::table.filter(articles::id.eq_any(ids.to_vec()));
    let rows = match bodies {
        Bodies::With => q.select(ArticleRow::as_select()).load::<ArticleRow>(conn)?,
        Bodies::Without => q
            .select(columns_without_bodies!())
            .load::<ArticleRow>(conn)?,
        Bodies::Html => q.select(columns_with_html!()).load::<ArticleRow>(conn)?,
    };
    let rows: HashMap<i64, ArticleRow> = rows
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
