//! Published-article counts per rubrique, kept by the writer in `article_counts` and read by
//! the public listing's total.
//!
//! `article_counts` holds the published articles due by one instant, `count_horizon.counted_to`.
//! A scheduled article is stored published with a future `sort_at`: it enters the counts when the
//! writer moves the horizon past it ([`sweep`]: at every article write, and wherever scheduled
//! publications enter the changes feed, as the webhook worker does when one falls due). A total is the kept sum plus the articles that fell due
//! since the horizon, a range of the status index that is empty or nearly so. It used to be the
//! sum less every scheduled article not yet due, counted per request: 1 % of the synthetic
//! archive, 10,000 index entries per list at 1,000,000 articles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::*;
use crate::db::schema::articles;

/// The instant up to which `article_counts` counts, as a scalar subquery.
const HORIZON: &str = "(SELECT counted_to FROM count_horizon WHERE id = 1)";

/// Published and due articles, in `rubriques` (all when None), from `article_counts`.
pub(super) fn public_count(
    conn: &mut AnyConnection,
    rubriques: Option<&[i64]>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
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
        // Fell due since the horizon, less what the horizon counts that is not due for this clock
        // (an instance whose clock is behind the one that moved it): both nearly always empty.
        format!(
            "SELECT CAST(COALESCE((SELECT SUM(published) FROM article_counts{stored}), 0) AS BIGINT) \
             + (SELECT count(*) FROM articles WHERE status = 'published' AND sort_at > {HORIZON} AND sort_at <= {now}{due}) \
             - (SELECT count(*) FROM articles WHERE status = 'published' AND sort_at > {now} AND sort_at <= {HORIZON}{due}) AS n",
            now = p(1)
        )
    };
    one_count(conn, sql, now, &ids)
}

/// Published and due articles carrying `tag`: the writer-kept `tag_counts` (published articles,
/// scheduled ones included, as the search index counts them) less the scheduled ones not yet due that
/// carry it. Counting a popular tag's articles per request took 16-24 ms at 100,000 articles (SQLite);
/// this reads one row and the scheduled articles (1 % of the synthetic archive).
pub(super) fn tag_public_count(
    conn: &mut AnyConnection,
    tag: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    kept_public_count(conn, Linked::Tag, tag, now)
}

/// Published and due articles signed by `author`, as [`tag_public_count`] counts a tag's, from the
/// writer-kept `author_counts` (18-23 ms per request for the busiest byline at 100,000 articles when
/// counted).
pub(super) fn author_public_count(
    conn: &mut AnyConnection,
    author: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    kept_public_count(conn, Linked::Author, author, now)
}

/// What an article is linked to and the search index keeps a count of.
#[derive(Clone, Copy)]
enum Linked {
    Tag,
    Author,
}

impl Linked {
    /// The kept counts' table, the link table, the key column in both.
    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Linked::Tag => ("tag_counts", "article_tags", "tag_id"),
            Linked::Author => ("author_counts", "article_authors", "author_id"),
        }
    }
}

/// The kept count of one tag or author, less its scheduled articles not yet due.
fn kept_public_count(
    conn: &mut AnyConnection,
    linked: Linked,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let (kept, links, key) = linked.tables();
    let sql = |pg: bool| {
        let (now, id) = if pg { ("$1", "$2") } else { ("?1", "?2") };
        format!(
            "SELECT CAST(COALESCE((SELECT published FROM {kept} WHERE {key} = {id}), 0) AS BIGINT) \
             - (SELECT count(*) FROM articles a WHERE a.status = 'published' AND a.sort_at > {now} \
             AND EXISTS (SELECT 1 FROM {links} l WHERE l.article_id = a.id AND l.{key} = {id})) AS n"
        )
    };
    one_count(conn, sql, now, &[id])
}

/// Published and due articles of each of these authors, from `author_counts` less their scheduled
/// articles not yet due; an author without any is absent.
pub fn by_author(
    conn: &mut AnyConnection,
    authors: &[i64],
    now: NaiveDateTime,
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    if authors.is_empty() {
        return Ok(Default::default());
    }
    kept_counts(conn, Linked::Author, Some(authors), now)
}

/// Published and due articles of each of these tags (every tag when None), as [`by_author`].
pub fn by_tag(
    conn: &mut AnyConnection,
    tags: Option<&[i64]>,
    now: NaiveDateTime,
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    if tags.is_some_and(<[i64]>::is_empty) {
        return Ok(Default::default());
    }
    kept_counts(conn, Linked::Tag, tags, now)
}

/// The kept counts of some tags or authors (all when None), less their scheduled articles not yet
/// due: one statement, so both parts see the same moment.
fn kept_counts(
    conn: &mut AnyConnection,
    linked: Linked,
    ids: Option<&[i64]>,
    now: NaiveDateTime,
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let (kept, links, key) = linked.tables();
    let bound: Vec<i64> = ids.map(<[i64]>::to_vec).unwrap_or_default();
    let sql = |pg: bool| {
        let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
        let list: Vec<String> = (2..bound.len() + 2).map(p).collect();
        let (kept_in, links_in) = match ids {
            Some(_) => (
                format!(" WHERE {key} IN ({})", list.join(", ")),
                format!(" AND l.{key} IN ({})", list.join(", ")),
            ),
            None => (String::new(), String::new()),
        };
        format!(
            "SELECT id, CAST(SUM(n) AS BIGINT) AS n FROM ( \
             SELECT {key} AS id, published AS n FROM {kept}{kept_in} \
             UNION ALL SELECT l.{key}, -count(*) FROM articles a JOIN {links} l ON l.article_id = a.id \
             WHERE a.status = 'published' AND a.sort_at > {now}{links_in} GROUP BY l.{key} \
             ) t GROUP BY id",
            now = p(1)
        )
    };
    let rows: Vec<Count> = with_now_and_ids(conn, sql, now, &bound)?;
    Ok(rows
        .into_iter()
        .filter(|c| c.n > 0)
        .map(|c| (c.id, c.n))
        .collect())
}

/// The one count `n` that `sql` answers, with `now` and the ids bound as in [`with_now_and_ids`].
fn one_count(
    conn: &mut AnyConnection,
    sql: impl Fn(bool) -> String,
    now: NaiveDateTime,
    ids: &[i64],
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: Vec<N> = with_now_and_ids(conn, sql, now, ids)?;
    Ok(n.first().map_or(0, |n| n.n))
}

/// Runs `sql` with `now` bound first (`$1`) and the ids after it, prepared: one plan whatever the
/// instant and ids (see `Reused`).
fn with_now_and_ids<T>(
    conn: &mut AnyConnection,
    sql: impl Fn(bool) -> String,
    now: NaiveDateTime,
    ids: &[i64],
) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(sql(false))
                .into_boxed::<diesel::sqlite::Sqlite>()
                .bind::<diesel::sql_types::Timestamp, _>(now);
            for id in ids {
                q = q.bind::<diesel::sql_types::BigInt, _>(*id);
            }
            crate::db::Reused(q).load(c)
        }
        AnyConnection::Postgresql(c) => {
            let mut q = diesel::sql_query(sql(true))
                .into_boxed::<diesel::pg::Pg>()
                .bind::<diesel::sql_types::Timestamp, _>(now);
            for id in ids {
                q = q.bind::<diesel::sql_types::BigInt, _>(*id);
            }
            crate::db::Reused(q).load(c)
        }
    }
}

/// Published and due articles of each of these rubriques (its own, not its sub-rubriques'), from
/// `article_counts` and the few that the horizon has not reached; a rubrique without any is absent.
pub fn by_rubrique(
    conn: &mut AnyConnection,
    rubriques: &[i64],
    now: NaiveDateTime,
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rubrique_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    if rubriques.is_empty() {
        return Ok(Default::default());
    }
    let sql = |pg: bool| {
        let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
        let list: Vec<String> = (2..rubriques.len() + 2).map(p).collect();
        let (list, now) = (list.join(", "), p(1));
        format!(
            "SELECT rubrique_id, CAST(SUM(n) AS BIGINT) AS n FROM ( \
             SELECT rubrique_id, published AS n FROM article_counts WHERE rubrique_id IN ({list}) \
             UNION ALL SELECT rubrique_id, count(*) FROM articles WHERE status = 'published' \
             AND sort_at > {HORIZON} AND sort_at <= {now} AND rubrique_id IN ({list}) GROUP BY rubrique_id \
             UNION ALL SELECT rubrique_id, -count(*) FROM articles WHERE status = 'published' \
             AND sort_at > {now} AND sort_at <= {HORIZON} AND rubrique_id IN ({list}) GROUP BY rubrique_id \
             ) t GROUP BY rubrique_id"
        )
    };
    let rows: Vec<Count> = with_now_and_ids(conn, sql, now, rubriques)?;
    Ok(rows
        .into_iter()
        .filter(|c| c.n > 0)
        .map(|c| (c.rubrique_id, c.n))
        .collect())
}

/// Moves the horizon of `article_counts` to `now`, adding the published articles that fell due
/// since (a range of the status index). In the writer's transaction, which serialises it with
/// every other count change; a horizon already past `now` (another instance's clock) stays.
pub fn sweep(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<()> {
    let add = |pg: bool| {
        let now = if pg { "$1" } else { "?1" };
        format!(
            "INSERT INTO article_counts (rubrique_id, published) \
             SELECT rubrique_id, count(*) FROM articles \
             WHERE status = 'published' AND sort_at > {HORIZON} AND sort_at <= {now} GROUP BY rubrique_id \
             ON CONFLICT (rubrique_id) DO UPDATE SET published = article_counts.published + excluded.published"
        )
    };
    dyn_query!(conn, add, [now], diesel::sql_types::Timestamp, execute)?;
    let advance = |pg: bool| {
        let now = if pg { "$1" } else { "?1" };
        format!("UPDATE count_horizon SET counted_to = {now} WHERE id = 1 AND counted_to < {now}")
    };
    dyn_query!(conn, advance, [now], diesel::sql_types::Timestamp, execute)?;
    Ok(())
}

/// The instant up to which `article_counts` counts.
pub fn horizon(conn: &mut AnyConnection) -> QueryResult<NaiveDateTime> {
    use crate::db::schema::count_horizon;
    count_horizon::table
        .filter(count_horizon::id.eq(1))
        .select(count_horizon::counted_to)
        .first(conn)
}

/// Adds new published articles, due by the [`horizon`], to their rubriques' counts: (rubrique, how
/// many). For a bulk load, whose batches would each recount every rubrique's articles.
pub fn add_published(conn: &mut AnyConnection, added: &[(i64, i64)]) -> QueryResult<()> {
    for (r, n) in added {
        let sql = |pg: bool| {
            let p = crate::db::placeholders(pg, 1, 2);
            format!(
                "INSERT INTO article_counts (rubrique_id, published) VALUES ({p}) \
                 ON CONFLICT (rubrique_id) DO UPDATE SET published = article_counts.published + excluded.published"
            )
        };
        dyn_query!(conn, sql, [*r, *n], diesel::sql_types::BigInt, execute)?;
    }
    Ok(())
}

/// Recounts the published articles of some rubriques into `article_counts` (in the writer's
/// transaction, after an article of theirs was written or deleted), with the horizon moved to now.
pub(super) fn recount(conn: &mut AnyConnection, rubriques: &[i64]) -> QueryResult<()> {
    sweep(conn, crate::db::now())?;
    let mut rubriques = rubriques.to_vec();
    rubriques.sort_unstable();
    rubriques.dedup();
    for r in rubriques {
        let sql = |pg: bool| {
            let p = crate::db::placeholders(pg, 1, 2);
            let (a, b) = p.split_once(", ").unwrap_or_default();
            format!(
                "INSERT INTO article_counts (rubrique_id, published) \
                 SELECT {a}, (SELECT count(*) FROM articles WHERE rubrique_id = {b} AND status = 'published' \
                 AND sort_at <= {HORIZON}) \
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
    let now = crate::db::now();
    dyn_query!(
        conn,
        |pg| format!(
            "UPDATE count_horizon SET counted_to = {} WHERE id = 1",
            if pg { "$1" } else { "?1" }
        ),
        [now],
        diesel::sql_types::Timestamp,
        execute
    )?;
    for sql in [
        "DELETE FROM article_counts".to_owned(),
        format!(
            "INSERT INTO article_counts (rubrique_id, published) \
             SELECT rubrique_id, count(*) FROM articles WHERE status = 'published' \
             AND sort_at <= {HORIZON} GROUP BY rubrique_id"
        ),
    ] {
        let none: [i64; 0] = [];
        dyn_query!(
            conn,
            |_| sql.clone(),
            none,
            diesel::sql_types::BigInt,
            execute
        )?;
    }
    Ok(())
}

/// The rubrique an article is in now.
pub(super) fn rubrique_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<i64>> {
    articles::table
        .filter(articles::id.eq(id))
        .select(articles::rubrique_id)
        .first(conn)
        .optional()
}
