//! The full-text index: analysed text per article, FTS5 on SQLite and a weighted tsvector on PostgreSQL.
//! The two statements differ; the analysed terms they index, and so the matches, are the same. Document
//! frequencies (`search_terms`) and corpus totals (`search_totals`) are kept by the writer, in the same
//! transaction, so that ranking never counts anything per request.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{placeholders, AnyConnection};
use crate::domain::analyzer::{index_text, proper_names, word_family, FAMILY_MARK};
use crate::domain::search::{Clause, Doc, Query, Stats};

/// How many candidates the database's own ranking hands to BM25F: enough for any page a reader turns to.
pub const MAX_CANDIDATES: i64 = 200;

/// An article's analysed fields as the index stores them: title, lede, tags, body.
#[derive(QueryableByName)]
struct Fields {
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    lede: String,
    #[diesel(sql_type = Text)]
    tags: String,
    #[diesel(sql_type = Text)]
    body: String,
}

impl Fields {
    fn into_array(self) -> [String; 4] {
        [self.title, self.lede, self.tags, self.body]
    }
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(embed)]
    text: Fields,
}

fn terms_in(field: &str) -> i64 {
    field.split_whitespace().count() as i64
}

/// What an article adds to the document frequencies: the distinct terms of its analysed fields and
/// their distinct word families ([`word_family`], which related articles weigh like terms), sorted.
fn counted_terms(fields: &[String; 4]) -> Vec<String> {
    let mut terms: Vec<String> = fields
        .iter()
        .flat_map(|f| f.split_whitespace())
        .flat_map(|t| [Some(t.to_owned()), word_family(t)])
        .flatten()
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// (Re)indexes one article with its tag names, in the caller's transaction. Only a `counted` article
/// (a published one) enters the document frequencies and totals that scores are made of, so that no
/// public score depends on unpublished text.
pub fn index(
    conn: &mut AnyConnection,
    id: i64,
    title: &str,
    lede: &str,
    body_text: &str,
    counted: bool,
) -> QueryResult<()> {
    index_into(conn, id, title, lede, body_text, counted, None)
}

/// Statistics gathered in memory while the whole index is rebuilt, written once at the end (written
/// per article, one transaction would update the same popular rows tens of thousands of times).
#[derive(Default)]
struct Rebuilt {
    df: HashMap<String, i64>,
    tags: HashMap<i64, i64>,
    totals: [i64; 5],
}

fn index_into(
    conn: &mut AnyConnection,
    id: i64,
    title: &str,
    lede: &str,
    body_text: &str,
    counted: bool,
    rebuilt: Option<&mut Rebuilt>,
) -> QueryResult<()> {
    // What the article counted for until now comes out first: uncount reads the tags it was
    // indexed with from its names row, which is rewritten next.
    if rebuilt.is_none() {
        uncount(conn, id)?;
    }
    let (tag_ids, tags): (Vec<i64>, Vec<String>) = {
        use super::schema::{article_tags, tags};
        article_tags::table
            .inner_join(tags::table)
            .filter(article_tags::article_id.eq(id))
            .select((tags::id, tags::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .unzip()
    };
    let names = proper_names(&format!("{title}\n{lede}\n{body_text}")).join(" ");
    let tag_list = tag_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let sql = |pg: bool| {
        if pg {
            "INSERT INTO article_names (article_id, names, tag_ids) VALUES ($1, $2, $3) \
             ON CONFLICT (article_id) DO UPDATE SET names = EXCLUDED.names, tag_ids = EXCLUDED.tag_ids"
        } else {
            "INSERT INTO article_names (article_id, names, tag_ids) VALUES (?, ?, ?) \
             ON CONFLICT (article_id) DO UPDATE SET names = excluded.names, tag_ids = excluded.tag_ids"
        }
    };
    match conn {
        AnyConnection::Sqlite(c) => crate::db::Reused(
            diesel::sql_query(sql(false))
                .bind::<BigInt, _>(id)
                .bind::<Text, _>(&names)
                .bind::<Text, _>(&tag_list),
        )
        .execute(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(sql(true))
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(&names)
            .bind::<Text, _>(&tag_list)
            .execute(c)?,
    };
    let new = [
        index_text(title),
        index_text(lede),
        index_text(&tags.join(" , ")),
        index_text(body_text),
    ];
    let totals = [
        1,
        terms_in(&new[0]),
        terms_in(&new[1]),
        terms_in(&new[2]),
        terms_in(&new[3]),
    ];
    match rebuilt {
        Some(r) => {
            if counted {
                for t in counted_terms(&new) {
                    *r.df.entry(t).or_default() += 1;
                }
                for t in &tag_ids {
                    *r.tags.entry(*t).or_default() += 1;
                }
                r.totals.iter_mut().zip(totals).for_each(|(a, b)| *a += b);
            }
        }
        None => {
            if counted {
                adjust_df(conn, &counted_terms(&new), 1)?;
                adjust_tag_counts(conn, &tag_ids, 1)?;
                adjust_totals(conn, totals)?;
            }
        }
    }
    let [t, l, g, b] = new;
    let c = i64::from(counted);
    match conn {
        AnyConnection::Sqlite(conn) => {
            crate::db::Reused(
                diesel::sql_query("DELETE FROM article_search WHERE rowid = ?")
                    .bind::<BigInt, _>(id),
            )
            .execute(conn)?;
            crate::db::Reused(diesel::sql_query(
                "INSERT INTO article_search (rowid, title, lede, tags, body, counted) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(t)
            .bind::<Text, _>(l)
            .bind::<Text, _>(g)
            .bind::<Text, _>(b)
            .bind::<BigInt, _>(c))
            .execute(conn)?;
        }
        AnyConnection::Postgresql(conn) => {
            diesel::sql_query(
                "INSERT INTO article_search (article_id, title, lede, tags, body, counted) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, lede = EXCLUDED.lede, \
                 tags = EXCLUDED.tags, body = EXCLUDED.body, counted = EXCLUDED.counted",
            )
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(t)
            .bind::<Text, _>(l)
            .bind::<Text, _>(g)
            .bind::<Text, _>(b)
            .bind::<BigInt, _>(c)
            .execute(conn)?;
        }
    }
    Ok(())
}

/// Takes an article's current entry out of the statistics (if it counted): its terms, its totals and
/// the tags it was indexed with.
fn uncount(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Old {
        #[diesel(embed)]
        text: Fields,
        #[diesel(sql_type = BigInt)]
        counted: i64,
        #[diesel(sql_type = Text)]
        tag_ids: String,
    }
    let sql = |pg: bool| {
        let key = if pg { "s.article_id" } else { "s.rowid" };
        format!(
            "SELECT s.title, s.lede, s.tags, s.body, s.counted, COALESCE(n.tag_ids, '') AS tag_ids \
             FROM article_search s LEFT JOIN article_names n ON n.article_id = {key} WHERE {key} = {}",
            placeholders(pg, 1, 1)
        )
    };
    let rows: Vec<Old> = dyn_query!(conn, sql, [id], BigInt, load)?;
    if let Some(old) = rows.into_iter().next().filter(|r| r.counted == 1) {
        let tag_ids: Vec<i64> = old
            .tag_ids
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect();
        adjust_tag_counts(conn, &tag_ids, -1)?;
        let fields = old.text.into_array();
        adjust_df(conn, &counted_terms(&fields), -1)?;
        adjust_totals(
            conn,
            [
                -1,
                -terms_in(&fields[0]),
                -terms_in(&fields[1]),
                -terms_in(&fields[2]),
                -terms_in(&fields[3]),
            ],
        )?;
    }
    Ok(())
}

/// Adds `delta` (+1 or -1) to the published count of each tag (distinct ids).
fn adjust_tag_counts(conn: &mut AnyConnection, tag_ids: &[i64], delta: i64) -> QueryResult<()> {
    if tag_ids.is_empty() {
        return Ok(());
    }
    let sql = |pg: bool| {
        if delta > 0 {
            let values: Vec<String> = (0..tag_ids.len())
                .map(|i| format!("({}, 1)", placeholders(pg, i + 1, 1)))
                .collect();
            format!(
                "INSERT INTO tag_counts (tag_id, published) VALUES {} \
                 ON CONFLICT (tag_id) DO UPDATE SET published = tag_counts.published + 1",
                values.join(", ")
            )
        } else {
            format!(
                "UPDATE tag_counts SET published = published - 1 WHERE tag_id IN ({})",
                placeholders(pg, 1, tag_ids.len())
            )
        }
    };
    dyn_query!(once: conn, sql, tag_ids.iter().copied(), BigInt, execute)?;
    Ok(())
}

/// Removes an article from the index (before the article itself is deleted).
pub fn unindex(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    uncount(conn, id)?;
    let sql = |pg: bool| {
        format!(
            "DELETE FROM article_names WHERE article_id = {}",
            placeholders(pg, 1, 1)
        )
    };
    dyn_query!(conn, sql, [id], BigInt, execute)?;
    match conn {
        AnyConnection::Sqlite(c) => crate::db::Reused(
            diesel::sql_query("DELETE FROM article_search WHERE rowid = ?").bind::<BigInt, _>(id),
        )
        .execute(c)?,
        AnyConnection::Postgresql(c) => {
            diesel::sql_query("DELETE FROM article_search WHERE article_id = $1")
                .bind::<BigInt, _>(id)
                .execute(c)?
        }
    };
    Ok(())
}

/// Adds to the corpus totals: documents, then terms in title, lede, tags and body.
fn adjust_totals(conn: &mut AnyConnection, d: [i64; 5]) -> QueryResult<()> {
    let sql = |pg: bool| {
        let p = placeholders(pg, 1, 5);
        let p: Vec<&str> = p.split(", ").collect();
        format!(
            "UPDATE search_totals SET docs = docs + {}, title_terms = title_terms + {}, lede_terms = lede_terms + {}, \
             tags_terms = tags_terms + {}, body_terms = body_terms + {}, generation = generation + 1 WHERE id = 1",
            p[0], p[1], p[2], p[3], p[4]
        )
    };
    dyn_query!(conn, sql, d, BigInt, execute)?;
    Ok(())
}

/// Adds `delta` (+1 or -1) to the document frequency of each term.
fn adjust_df(conn: &mut AnyConnection, terms: &[String], delta: i64) -> QueryResult<()> {
    for chunk in terms.chunks(400) {
        let sql = |pg: bool| {
            if delta > 0 {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("({}, 1)", placeholders(pg, i + 1, 1)))
                    .collect();
                format!(
                    "INSERT INTO search_terms (term, df) VALUES {} ON CONFLICT (term) DO UPDATE SET df = search_terms.df + 1",
                    values.join(", ")
                )
            } else {
                format!(
                    "UPDATE search_terms SET df = df - 1 WHERE term IN ({})",
                    placeholders(pg, 1, chunk.len())
                )
            }
        };
        dyn_query!(once: conn, sql, chunk.iter().map(String::as_str), Text, execute)?;
    }
    if delta < 0 {
        // Only the terms just lowered can have reached zero: no scan of the whole vocabulary.
        for chunk in terms.chunks(400) {
            let sql = |pg: bool| {
                format!(
                    "DELETE FROM search_terms WHERE df <= 0 AND term IN ({})",
                    placeholders(pg, 1, chunk.len())
                )
            };
            dyn_query!(once: conn, sql, chunk.iter().map(String::as_str), Text, execute)?;
        }
    }
    Ok(())
}

/// The analysed fields of several articles (those not indexed are absent).
pub fn fields_many(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, [String; 4]>> {
    let rows: Vec<Candidate> = load_in!(conn, ids, |id: &i64| *id, BigInt, |pg, list| {
        let key = if pg { "article_id" } else { "rowid" };
        format!("SELECT {key} AS id, title, lede, tags, body FROM article_search WHERE {key} IN ({list})")
    });
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.text.into_array()))
        .collect())
}

/// One article's analysed fields and names, in one query.
pub fn fields_and_names(
    conn: &mut AnyConnection,
    id: i64,
) -> QueryResult<Option<([String; 4], Vec<String>)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        text: Fields,
        #[diesel(sql_type = Text)]
        names: String,
    }
    let sql = |pg: bool| {
        let key = if pg { "article_id" } else { "rowid" };
        format!(
            "SELECT s.title, s.lede, s.tags, s.body, COALESCE(n.names, '') AS names \
             FROM article_search s LEFT JOIN article_names n ON n.article_id = s.{key} \
             WHERE s.{key} = {}",
            placeholders(pg, 1, 1)
        )
    };
    let rows: Vec<Row> = dyn_query!(conn, sql, [id], BigInt, load)?;
    Ok(rows.into_iter().next().map(|r| {
        (
            r.text.into_array(),
            r.names.split_whitespace().map(str::to_owned).collect(),
        )
    }))
}

/// The names (see [`proper_names`]) of several articles, as analysed terms.
pub fn names_many(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    #[derive(QueryableByName)]
    struct Names {
        #[diesel(sql_type = BigInt)]
        article_id: i64,
        #[diesel(sql_type = Text)]
        names: String,
    }
    let rows: Vec<Names> = load_in!(conn, ids, |id: &i64| *id, BigInt, |_, list| {
        format!("SELECT article_id, names FROM article_names WHERE article_id IN ({list})")
    });
    Ok(rows
        .into_iter()
        .map(|r| {
            let names = r.names.split_whitespace().map(str::to_owned).collect();
            (r.article_id, names)
        })
        .collect())
}

/// Document frequencies of some terms (absent terms are in no document).
pub fn term_df(conn: &mut AnyConnection, terms: &[String]) -> QueryResult<HashMap<String, i64>> {
    #[derive(QueryableByName)]
    struct Df {
        #[diesel(sql_type = Text)]
        term: String,
        #[diesel(sql_type = BigInt)]
        df: i64,
    }
    let rows: Vec<Df> = load_in!(conn, terms, String::as_str, Text, |_, list| {
        format!("SELECT term, df FROM search_terms WHERE term IN ({list})")
    });
    Ok(rows.into_iter().map(|r| (r.term, r.df)).collect())
}

/// What a process needs to know whether statistics it keeps are current: the database's epoch and
/// the generation of its statistics (grows with every change to them).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Stamp {
    epoch: String,
    generation: i64,
}

/// Corpus figures for BM25F: indexed documents and mean field lengths (kept up to date by the writer).
pub fn stats(conn: &mut AnyConnection) -> QueryResult<Stats> {
    Ok(corpus(conn)?.0)
}

/// [`stats`] and the statistics' [`Stamp`], in one read.
pub fn corpus(conn: &mut AnyConnection) -> QueryResult<(Stats, Stamp)> {
    #[derive(QueryableByName)]
    struct Totals {
        #[diesel(sql_type = BigInt)]
        docs: i64,
        #[diesel(sql_type = BigInt)]
        title_terms: i64,
        #[diesel(sql_type = BigInt)]
        lede_terms: i64,
        #[diesel(sql_type = BigInt)]
        tags_terms: i64,
        #[diesel(sql_type = BigInt)]
        body_terms: i64,
        #[diesel(sql_type = Text)]
        epoch: String,
        #[diesel(sql_type = BigInt)]
        generation: i64,
    }
    let none: [i64; 0] = [];
    let t: Totals = dyn_query!(
        conn,
        |_| {
            "SELECT docs, title_terms, lede_terms, tags_terms, body_terms, epoch, generation \
             FROM search_totals WHERE id = 1"
                .to_owned()
        },
        none,
        BigInt,
        get_result
    )?;
    let n = t.docs.max(1) as f64;
    Ok((
        Stats {
            docs: t.docs as f64,
            avg_len: [
                t.title_terms as f64 / n,
                t.lede_terms as f64 / n,
                t.tags_terms as f64 / n,
                t.body_terms as f64 / n,
            ],
        },
        Stamp {
            epoch: t.epoch,
            generation: t.generation,
        },
    ))
}

/// Document frequencies one process keeps per database, valid for one generation of the statistics.
struct DfCache {
    stamp: Stamp,
    df: HashMap<String, i64>,
}

/// Databases whose frequencies are kept (one in production; tests open many), and terms per database.
const DF_CACHE_DATABASES: usize = 8;
const DF_CACHE_TERMS: usize = 500_000;

static DF_CACHE: LazyLock<Mutex<Vec<DfCache>>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// Empties this process's document frequencies and tag counts, as any write's new generation does
/// (for benchmarks).
pub fn forget_frequencies() {
    DF_CACHE.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// [`term_df`] through the process's cache: a term's frequency is read from the database once per
/// generation of the statistics, so a warm reader asks only for terms it has not seen since the last
/// write (every instance sees a write at once: the stamp is in the database). Read paths only: a
/// transaction that changes the statistics must not fill the cache.
pub fn term_df_cached(
    conn: &mut AnyConnection,
    stamp: &Stamp,
    terms: &[String],
) -> QueryResult<Vec<i64>> {
    cached(conn, stamp, terms, term_df)
}

/// How many published articles carry each tag, as the writer keeps them in `tag_counts`, through the
/// same cache as [`term_df_cached`] (its keys are `#` and the tag id, which no term can be): a tag's
/// count changes only with a counted article's index entry, which moves the generation.
pub fn tag_counts_cached(
    conn: &mut AnyConnection,
    stamp: &Stamp,
    tag_ids: &[i64],
) -> QueryResult<HashMap<i64, i64>> {
    let keys: Vec<String> = tag_ids.iter().map(|id| format!("#{id}")).collect();
    let counts = cached(conn, stamp, &keys, |conn, keys| {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            tag_id: i64,
            #[diesel(sql_type = BigInt)]
            published: i64,
        }
        let ids: Vec<i64> = keys.iter().filter_map(|k| k[1..].parse().ok()).collect();
        let rows: Vec<Count> = load_in!(conn, ids, |id: &i64| *id, BigInt, |_, list| {
            format!("SELECT tag_id, published FROM tag_counts WHERE tag_id IN ({list})")
        });
        Ok(rows
            .into_iter()
            .map(|c| (format!("#{}", c.tag_id), c.published))
            .collect())
    })?;
    Ok(tag_ids.iter().copied().zip(counts).collect())
}

/// Values per key from the process's cache for the current [`Stamp`], the missing ones from `fetch`
/// (absent from its answer: 0); in the order of `terms`.
fn cached(
    conn: &mut AnyConnection,
    stamp: &Stamp,
    terms: &[String],
    fetch: impl FnOnce(&mut AnyConnection, &[String]) -> QueryResult<HashMap<String, i64>>,
) -> QueryResult<Vec<i64>> {
    // One lookup per term and no map of the answer: a related computation asks for thousands.
    let mut out = vec![0; terms.len()];
    let mut missing: Vec<usize> = Vec::new();
    {
        let caches = DF_CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let cache = caches.iter().find(|c| c.stamp == *stamp);
        for (i, t) in terms.iter().enumerate() {
            match cache.and_then(|c| c.df.get(t)) {
                Some(df) => out[i] = *df,
                None => missing.push(i),
            }
        }
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let wanted: Vec<String> = missing.iter().map(|&i| terms[i].clone()).collect();
    let found = fetch(conn, &wanted)?;
    let mut caches = DF_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let at = match caches.iter().position(|c| c.stamp.epoch == stamp.epoch) {
        Some(i) => i,
        None => {
            if caches.len() >= DF_CACHE_DATABASES {
                caches.remove(0);
            }
            caches.push(DfCache {
                stamp: stamp.clone(),
                df: HashMap::new(),
            });
            caches.len() - 1
        }
    };
    let cache = &mut caches[at];
    if cache.stamp.generation != stamp.generation {
        // Statistics moved (on, or back: a restored copy): start over for this generation. A reader
        // racing a writer may reset to the older one; the next reader resets again.
        cache.stamp = stamp.clone();
        cache.df.clear();
    }
    if cache.df.len() + missing.len() > DF_CACHE_TERMS {
        cache.df.clear();
    }
    for (i, t) in missing.into_iter().zip(wanted) {
        let df = found.get(&t).copied().unwrap_or(0);
        out[i] = df;
        cache.df.insert(t, df);
    }
    Ok(out)
}

/// Where to look when a query matches too many articles to rank them all: around an article (for
/// related articles), or among the newest (for search).
#[derive(Clone, Copy, Debug)]
pub enum Window {
    Newest,
    Around(i64),
}

/// How many matches the database ranks at most for one search: beyond, it ranks those in an id range
/// (ids grow with creation) expected to hold about this many, near the window's anchor (see
/// [`Window::budget`]).
pub const MAX_RANKED: f64 = 4000.0;
/// The same for the more-like-this query of related articles, which wants neighbours, not all matches.
pub const MAX_RANKED_AROUND: f64 = 600.0;

impl Window {
    /// How many matches the database ranks at most in this window.
    pub fn budget(self) -> f64 {
        match self {
            Window::Newest => MAX_RANKED,
            Window::Around(_) => MAX_RANKED_AROUND,
        }
    }
}

/// The id range to rank in when `expected` matches is more than [`MAX_RANKED`]; None to rank them all.
fn id_range(
    conn: &mut AnyConnection,
    expected: f64,
    window: Window,
    budget: f64,
) -> QueryResult<Option<(i64, i64)>> {
    if expected <= budget {
        return Ok(None);
    }
    use super::schema::articles;
    // Two queries: SQLite answers a lone min() or max() from the index, both together by a scan (and
    // PostgreSQL plans the two as subqueries of one statement longer than it takes to run both).
    let lo: Option<i64> = articles::table
        .select(diesel::dsl::min(articles::id))
        .get_result(conn)?;
    let hi: Option<i64> = articles::table
        .select(diesel::dsl::max(articles::id))
        .get_result(conn)?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(None);
    };
    let span = ((hi - lo + 1) as f64 * budget / expected).ceil() as i64;
    let span = span.max(1);
    let (from, to) = match window {
        Window::Newest => (hi - span + 1, hi),
        Window::Around(id) => {
            let from = (id - span / 2).max(lo);
            let to = (from + span - 1).min(hi);
            ((to - span + 1).max(lo), to)
        }
    };
    Ok(Some((from, to)))
}

/// The best matches by the database's own ranking (FTS5 bm25, or ts_rank, the cheaper of its two rankings), with their fields;
/// with `public_at`, only articles published by then (so that drafts cannot crowd them out).
fn candidates(
    conn: &mut AnyConnection,
    q: &Query,
    limit: i64,
    public_at: Option<chrono::NaiveDateTime>,
    range: Option<(i64, i64)>,
) -> QueryResult<Vec<Candidate>> {
    use diesel::sql_types::Bool;
    let public = public_at.is_some();
    let (from, to) = range.unwrap_or((i64::MIN, i64::MAX));
    match conn {
        // The ranking sorts (id, score) pairs only; the fields are read for the chosen few. `counted`
        // (published, scheduled included) narrows without a join; the caller's visibility check drops
        // what is not due yet.
        AnyConnection::Sqlite(c) => crate::db::Reused(diesel::sql_query(
            "SELECT rowid AS id, title, lede, tags, body FROM article_search WHERE rowid IN (\
             SELECT rowid FROM article_search WHERE article_search MATCH ? AND rowid BETWEEN ? AND ? \
             AND (NOT ? OR counted = 1) ORDER BY bm25(article_search, 3.0, 2.0, 2.0, 1.0) LIMIT ?)",
        )
        .bind::<Text, _>(q.fts5())
        .bind::<BigInt, _>(from)
        .bind::<BigInt, _>(to)
        .bind::<Bool, _>(public)
        .bind::<BigInt, _>(limit))
        .load(c),
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT article_id AS id, title, lede, tags, body FROM article_search WHERE article_id IN (\
             SELECT article_id FROM article_search WHERE document @@ to_tsquery('simple', $1) \
             AND article_id BETWEEN $4 AND $5 AND (NOT $2 OR counted = 1) \
             ORDER BY ts_rank(document, to_tsquery('simple', $1)) DESC LIMIT $3)",
        )
        .bind::<Text, _>(q.tsquery())
        .bind::<Bool, _>(public)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(from)
        .bind::<BigInt, _>(to)
        .load(c),
    }
}

/// Matches in an id range ranked by clause (SQLite): one cheap match per clause (and, for a search,
/// per clause in titles), each worth its idf × boost (× 3 in a title); phrases must all match and at
/// least one word, as in [`Query::fts5`]. Best first, then newest.
#[allow(clippy::too_many_arguments)]
fn by_clause(
    conn: &mut AnyConnection,
    q: &Query,
    df: &[f64],
    docs: f64,
    boosts: &[f64],
    (from, to): (i64, i64),
    public: bool,
    window: Window,
) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::Bool;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(Vec::new());
    };
    let phrases = q
        .clauses
        .iter()
        .filter(|c| matches!(c, Clause::Phrase(_)))
        .count();
    let has_words = phrases < q.clauses.len();
    // Per article: score, phrases matched, whether a word matched.
    let mut found: HashMap<i64, (f64, usize, bool)> = HashMap::new();
    for (i, clause) in q.clauses.iter().enumerate() {
        let d = df.get(i).copied().unwrap_or(0.0);
        let weight = boosts.get(i).copied().unwrap_or(1.0)
            * (1.0 + (docs - d + 0.5) / (d + 0.5)).ln().max(0.0);
        let expr = Query::fts5_clause(clause);
        let mut scopes = vec![(expr.clone(), 1.0)];
        if matches!(window, Window::Newest) {
            scopes.push((format!("{{title}} : {expr}"), 2.0));
        }
        for (expr, factor) in scopes {
            let ids: Vec<Id> = crate::db::Reused(
                diesel::sql_query(
                    "SELECT rowid AS id FROM article_search WHERE article_search MATCH ? \
                 AND rowid BETWEEN ? AND ? AND (NOT ? OR counted = 1)",
                )
                .bind::<Text, _>(&expr)
                .bind::<BigInt, _>(from)
                .bind::<BigInt, _>(to)
                .bind::<Bool, _>(public),
            )
            .load(c)?;
            for Id { id } in ids {
                let e = found.entry(id).or_insert((0.0, 0, false));
                e.0 += weight * factor;
                if factor == 1.0 {
                    match clause {
                        Clause::Phrase(_) => e.1 += 1,
                        _ => e.2 = true,
                    }
                }
            }
        }
    }
    let mut ranked: Vec<(i64, f64)> = found
        .into_iter()
        .filter(|(_, (_, p, w))| *p == phrases && (*w || !has_words))
        .map(|(id, (score, _, _))| (id, score))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    Ok(ranked.into_iter().map(|(id, _)| id).collect())
}

/// How many published articles each clause matches, from the writer-kept document frequencies (so
/// nothing is counted per request, and no unpublished text weighs in): a term's own; for a prefix,
/// that of its most frequent completion; for a phrase, that of its rarest word (an upper bound).
fn clause_df(conn: &mut AnyConnection, stamp: &Stamp, q: &Query) -> QueryResult<Vec<f64>> {
    let mut words: Vec<String> = Vec::new();
    for c in &q.clauses {
        match c {
            Clause::Term(t) => words.push(t.clone()),
            Clause::Phrase(ts) => words.extend(ts.iter().cloned()),
            Clause::Prefix(_) => {}
        }
    }
    let known: HashMap<&String, i64> = words
        .iter()
        .zip(term_df_cached(conn, stamp, &words)?)
        .collect();
    let df_of = |t: &String| known.get(t).copied().unwrap_or(0) as f64;
    let mut df = Vec::with_capacity(q.clauses.len());
    for clause in &q.clauses {
        df.push(match clause {
            Clause::Term(t) => df_of(t),
            Clause::Phrase(ts) => ts.iter().map(df_of).fold(f64::MAX, f64::min),
            Clause::Prefix(p) => prefix_df(conn, p)? as f64,
        });
    }
    Ok(df)
}

/// The document frequency of the most frequent term starting with `prefix`.
fn prefix_df(conn: &mut AnyConnection, prefix: &str) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    // Terms are [a-z0-9]: the range [prefix, prefix with its last byte + 1) holds its completions.
    let mut upper = prefix.as_bytes().to_vec();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    let upper = String::from_utf8(upper).unwrap_or_default();
    let sql = |pg: bool| {
        format!(
            "SELECT COALESCE(MAX(df), 0) AS n FROM search_terms WHERE term >= {} AND term < {}",
            placeholders(pg, 1, 1),
            placeholders(pg, 2, 1)
        )
    };
    let n: N = dyn_query!(conn, sql, [prefix, upper.as_str()], Text, get_result)?;
    Ok(n.n)
}

/// Articles matching the query with their BM25F relevance (higher is better), whatever their status:
/// the caller intersects with what it may show. The database finds the matches and pre-ranks them
/// (the best [`MAX_CANDIDATES`], among the newest [`MAX_RANKED`] matches when there are more); the
/// score itself is computed in Rust, so both databases agree.
pub fn scores(
    conn: &mut AnyConnection,
    q: &Query,
    public_at: Option<chrono::NaiveDateTime>,
) -> QueryResult<Vec<(i64, f64)>> {
    scores_within(
        conn,
        q,
        &vec![1.0; q.clauses.len()],
        MAX_CANDIDATES,
        public_at,
        Window::Newest,
        MAX_RANKED,
    )
}

/// [`scores`] with a weight per clause, a candidate limit and where to look first when the query
/// matches more than [`MAX_RANKED`] (or [`MAX_RANKED_AROUND`]) articles: the database then ranks the matches in an id range
/// expected to hold that many (widened until it yields `limit` candidates), so a query of common words
/// costs what a narrow one does. `corpus`: the statistics as the caller just read them.
pub fn scores_boosted(
    conn: &mut AnyConnection,
    corpus: &(Stats, Stamp),
    q: &Query,
    boosts: &[f64],
    limit: i64,
    public_at: Option<chrono::NaiveDateTime>,
    window: Window,
) -> QueryResult<Vec<Scored>> {
    let budget = window.budget();
    scored_within(
        conn,
        Some(corpus),
        q,
        boosts,
        limit,
        public_at,
        window,
        budget,
    )
}

/// A match with its score and the analysed fields it was scored on (title, lede, tags, body).
pub struct Scored {
    pub id: i64,
    pub score: f64,
    pub fields: [String; 4],
}

/// [`scores_boosted`] with the number of matches the database ranks at most (`budget`).
pub fn scores_within(
    conn: &mut AnyConnection,
    q: &Query,
    boosts: &[f64],
    limit: i64,
    public_at: Option<chrono::NaiveDateTime>,
    window: Window,
    budget: f64,
) -> QueryResult<Vec<(i64, f64)>> {
    Ok(
        scored_within(conn, None, q, boosts, limit, public_at, window, budget)?
            .into_iter()
            .map(|s| (s.id, s.score))
            .collect(),
    )
}

/// [`scores_within`] with each match's analysed fields (the statistics read unless given).
#[allow(clippy::too_many_arguments)]
fn scored_within(
    conn: &mut AnyConnection,
    corpus_read: Option<&(Stats, Stamp)>,
    q: &Query,
    boosts: &[f64],
    limit: i64,
    public_at: Option<chrono::NaiveDateTime>,
    window: Window,
    budget: f64,
) -> QueryResult<Vec<Scored>> {
    if q.clauses.is_empty() {
        return Ok(Vec::new());
    }
    let (stats, stamp) = match corpus_read {
        Some(c) => c.clone(),
        None => corpus(conn)?,
    };
    let df = clause_df(conn, &stamp, q)?;
    let expected = df.iter().sum::<f64>().min(stats.docs);
    let mut widen = 1.0;
    let found = loop {
        let range = id_range(conn, expected, window, budget * widen)?;
        let found = match (range, &mut *conn) {
            // FTS5's bm25() counts every match of every term in the whole table to weigh them: with
            // common terms that costs more than the window saves. Rank by clause instead.
            (Some((from, to)), AnyConnection::Sqlite(_)) => {
                let ids = by_clause(
                    conn,
                    q,
                    &df,
                    stats.docs,
                    boosts,
                    (from, to),
                    public_at.is_some(),
                    window,
                )?;
                let ranked: Vec<i64> = ids.into_iter().take(limit as usize).collect();
                let mut fields = fields_many(conn, &ranked)?;
                ranked
                    .iter()
                    .filter_map(|id| {
                        let [title, lede, tags, body] = fields.remove(id)?;
                        Some(Candidate {
                            id: *id,
                            text: Fields {
                                title,
                                lede,
                                tags,
                                body,
                            },
                        })
                    })
                    .collect()
            }
            _ => candidates(conn, q, limit, public_at, range)?,
        };
        if range.is_none() || found.len() as i64 >= limit {
            break found;
        }
        widen *= 4.0;
    };
    let scores = bm25_of(q, &found, &df, stats, boosts);
    Ok(found
        .into_iter()
        .zip(scores)
        .map(|(c, (id, score))| Scored {
            id,
            score,
            fields: c.text.into_array(),
        })
        .collect())
}

/// BM25F of the candidates (an empty list for none).
fn bm25_of(
    q: &Query,
    found: &[Candidate],
    df: &[f64],
    stats: Stats,
    boosts: &[f64],
) -> Vec<(i64, f64)> {
    let docs: Vec<Doc<'_>> = found
        .iter()
        .map(|c| Doc {
            id: c.id,
            fields: [
                c.text.title.as_str(),
                c.text.lede.as_str(),
                c.text.tags.as_str(),
                c.text.body.as_str(),
            ],
        })
        .collect();
    q.bm25f_boosted(&docs, df, stats, boosts)
}

/// Rebuilds the whole index from the articles; returns how many were indexed.
pub fn reindex_all(conn: &mut AnyConnection) -> QueryResult<usize> {
    use super::schema::articles;
    let none: [i64; 0] = [];
    for sql in [
        "DELETE FROM search_terms",
        "DELETE FROM article_search",
        "DELETE FROM article_names",
        "DELETE FROM tag_counts",
    ] {
        dyn_query!(conn, |_| sql.to_owned(), none, BigInt, execute)?;
    }
    let ids: Vec<i64> = articles::table
        .select(articles::id)
        .order(articles::id.asc())
        .load(conn)?;
    let mut rebuilt = Rebuilt::default();
    for chunk in ids.chunks(500) {
        for (id, title, lede, body, status) in index_rows(conn, chunk)? {
            index_into(
                conn,
                id,
                &title,
                lede.as_deref().unwrap_or(""),
                &body,
                status == "published",
                Some(&mut rebuilt),
            )?;
        }
    }
    let tags: Vec<(i64, i64)> = rebuilt.tags.into_iter().collect();
    for chunk in tags.chunks(400) {
        let sql = |pg: bool| {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", placeholders(pg, 2 * i + 1, 2)))
                .collect();
            format!(
                "INSERT INTO tag_counts (tag_id, published) VALUES {}",
                values.join(", ")
            )
        };
        let binds = chunk.iter().flat_map(|(t, n)| [*t, *n]);
        dyn_query!(once: conn, sql, binds, BigInt, execute)?;
    }
    let mut df: Vec<(String, i64)> = rebuilt.df.into_iter().collect();
    df.sort_unstable();
    for chunk in df.chunks(400) {
        let sql = |pg: bool| {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    if pg {
                        format!("(${}, ${}::bigint)", 2 * i + 1, 2 * i + 2)
                    } else {
                        "(?, CAST(? AS INTEGER))".to_owned()
                    }
                })
                .collect();
            format!(
                "INSERT INTO search_terms (term, df) VALUES {}",
                values.join(", ")
            )
        };
        // Both values bound as text (one bind type per statement), the count cast back.
        let binds: Vec<String> = chunk
            .iter()
            .flat_map(|(t, n)| [t.clone(), n.to_string()])
            .collect();
        dyn_query!(once: conn, sql, binds.iter().map(String::as_str), Text, execute)?;
    }
    let t = rebuilt.totals;
    let sql = |pg: bool| {
        let p = placeholders(pg, 1, 5);
        let p: Vec<&str> = p.split(", ").collect();
        format!(
            "UPDATE search_totals SET docs = {}, title_terms = {}, lede_terms = {}, tags_terms = {}, \
             body_terms = {}, generation = generation + 1, epoch = {} WHERE id = 1",
            p[0], p[1], p[2], p[3], p[4],
            // A rebuilt index is a new history: no process keeps what it knew of the old one.
            if pg { "md5(random()::text || clock_timestamp()::text)" } else { "lower(hex(randomblob(16)))" }
        )
    };
    dyn_query!(conn, sql, t, BigInt, execute)?;
    Ok(ids.len())
}

/// What indexing reads of some articles: id, title, lede, plain body, status.
#[allow(clippy::type_complexity)]
fn index_rows(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String, Option<String>, String, String)>> {
    use super::schema::articles;
    articles::table
        .filter(articles::id.eq_any(ids))
        .select((
            articles::id,
            articles::title,
            articles::lede,
            articles::body_text,
            articles::status,
        ))
        .load(conn)
}

/// The ids of the articles carrying a tag (whose index changes when the tag is renamed or deleted).
pub fn tagged(conn: &mut AnyConnection, tag_id: i64) -> QueryResult<Vec<i64>> {
    use super::schema::article_tags;
    article_tags::table
        .filter(article_tags::tag_id.eq(tag_id))
        .select(article_tags::article_id)
        .load(conn)
}

/// Reindexes some articles.
pub fn reindex_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<()> {
    for chunk in ids.chunks(500) {
        for (id, title, lede, body, status) in index_rows(conn, chunk)? {
            index(
                conn,
                id,
                &title,
                lede.as_deref().unwrap_or(""),
                &body,
                status == "published",
            )?;
        }
    }
    Ok(())
}

/// What the index holds: how many articles, how many with their names recorded, and whether the
/// document frequencies count word families (an index built before them does not).
pub struct IndexState {
    pub articles: i64,
    pub named: i64,
    pub families: bool,
}

/// [`IndexState`] in one statement.
pub fn indexed_count(conn: &mut AnyConnection) -> QueryResult<IndexState> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        indexed: i64,
        #[diesel(sql_type = BigInt)]
        named: i64,
        #[diesel(sql_type = BigInt)]
        families: i64,
    }
    let mark = FAMILY_MARK.to_string();
    let n: N = dyn_query!(
        conn,
        |pg| {
            format!(
            "SELECT (SELECT count(*) FROM article_search) AS indexed, \
             (SELECT count(*) FROM article_names) AS named, \
             (SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term >= {} LIMIT 1) f) AS families",
            placeholders(pg, 1, 1)
        )
        },
        [mark.as_str()],
        Text,
        get_result
    )?;
    Ok(IndexState {
        articles: n.indexed,
        named: n.named,
        families: n.families > 0,
    })
}
