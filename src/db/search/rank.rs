//! Candidates and scores: the database's own match narrows, BM25F over the kept statistics ranks,
//! within a window of ids when a query matches too many articles.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::*;
use crate::db::{placeholders, AnyConnection};
use crate::domain::search::{Clause, Doc, Query, Stats};

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
    use crate::db::schema::articles;
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
        .bind::<Text, _>(syntax::fts5(q))
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
        .bind::<Text, _>(syntax::tsquery(q))
        .bind::<Bool, _>(public)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(from)
        .bind::<BigInt, _>(to)
        .load(c),
    }
}

/// One id of a ranking statement.
#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Matches in an id range ranked by clause: each clause matched is worth its idf × boost (and, for a
/// search, twice more in a title); phrases must all match and at least one word, as in
/// [`Query::fts5`]. The best `limit`, best first, then newest. The same order on both databases (so the same
/// candidates): each answers which articles hold each clause (an index lookup, no document read),
/// and the scores are summed here, in clause order.
#[allow(clippy::too_many_arguments)]
fn by_clause(
    conn: &mut AnyConnection,
    q: &Query,
    df: &[f64],
    docs: f64,
    boosts: &[f64],
    range: (i64, i64),
    public: bool,
    window: Window,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let weights: Vec<f64> = (0..q.clauses.len())
        .map(|i| {
            let d = df.get(i).copied().unwrap_or(0.0);
            boosts.get(i).copied().unwrap_or(1.0)
                * (1.0 + (docs - d + 0.5) / (d + 0.5)).ln().max(0.0)
        })
        .collect();
    // (clause, whether in the title scope, article) for every match.
    let matches = clause_matches(conn, q, range, public, window)?;
    let phrases = q
        .clauses
        .iter()
        .filter(|c| matches!(c, Clause::Phrase(_)))
        .count();
    let has_words = phrases < q.clauses.len();
    // Per article: score, phrases matched, whether a word matched.
    let mut found: HashMap<i64, (f64, usize, bool)> = HashMap::new();
    for (k, in_title, id) in matches {
        let e = found.entry(id).or_insert((0.0, 0, false));
        if in_title {
            e.0 += weights[k] * 2.0;
            continue;
        }
        e.0 += weights[k];
        match q.clauses[k] {
            Clause::Phrase(_) => e.1 += 1,
            _ => e.2 = true,
        }
    }
    let mut ranked: Vec<(i64, f64)> = found
        .into_iter()
        .filter(|(_, (_, p, w))| *p == phrases && (*w || !has_words))
        .map(|(id, (score, _, _))| (id, score))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    Ok(ranked
        .into_iter()
        .take(limit as usize)
        .map(|(id, _)| id)
        .collect())
}

/// One clause's match in [`by_clause`]: which clause, whether the title scope (a search's second
/// look), which article.
#[derive(QueryableByName)]
struct ClauseMatch {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Every (clause, title scope, article) match of the query's clauses in the id range, clause by
/// clause in order (a search on SQLite also looks in titles, which count twice more). Each clause is
/// answered from the index alone: FTS5's postings on SQLite; on PostgreSQL one statement whose
/// clauses are GIN lookups (reading each match's stored `tsvector` to test forty clauses took 10-11
/// ms per related list at 100,000 articles).
fn clause_matches(
    conn: &mut AnyConnection,
    q: &Query,
    (from, to): (i64, i64),
    public: bool,
    window: Window,
) -> QueryResult<Vec<(usize, bool, i64)>> {
    use diesel::sql_types::{Array, Bool};
    let c = match conn {
        AnyConnection::Sqlite(c) => c,
        AnyConnection::Postgresql(c) => {
            debug_assert!(matches!(window, Window::Around(_)));
            let clauses: Vec<String> = q.clauses.iter().map(syntax::tsquery_clause).collect();
            let rows: Vec<ClauseMatch> = diesel::sql_query(
                "SELECT q.k - 1 AS k, s.article_id AS id \
                 FROM unnest($1::text[]) WITH ORDINALITY AS q(t, k) \
                 CROSS JOIN LATERAL (SELECT article_id FROM article_search \
                 WHERE document @@ to_tsquery('simple', q.t) AND article_id BETWEEN $2 AND $3 \
                 AND (NOT $4 OR counted = 1)) s ORDER BY 1",
            )
            .bind::<Array<Text>, _>(&clauses)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(to)
            .bind::<Bool, _>(public)
            .load(c)?;
            return Ok(rows
                .into_iter()
                .map(|m| (m.k as usize, false, m.id))
                .collect());
        }
    };
    let mut out = Vec::new();
    for (k, clause) in q.clauses.iter().enumerate() {
        let expr = syntax::fts5_clause(clause);
        let mut scopes = vec![(expr.clone(), false)];
        if matches!(window, Window::Newest) {
            scopes.push((format!("{{title}} : {expr}"), true));
        }
        for (expr, in_title) in scopes {
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
            out.extend(ids.into_iter().map(|Id { id }| (k, in_title, id)));
        }
    }
    Ok(out)
}

/// How many published articles each clause matches, from the writer-kept document frequencies (so
/// nothing is counted per request, and no unpublished text weighs in): a term's own; for a prefix,
/// that of its most frequent completion; for a phrase, that of its rarest word (an upper bound).
fn clause_df(
    conn: &mut AnyConnection,
    kept: &Frequencies,
    stamp: &Stamp,
    q: &Query,
) -> QueryResult<Vec<f64>> {
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
        .zip(term_df_cached(conn, kept, stamp, &words)?)
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
    kept: &Frequencies,
    q: &Query,
    public_at: Option<chrono::NaiveDateTime>,
) -> QueryResult<Vec<(i64, f64)>> {
    let boosts = vec![1.0; q.clauses.len()];
    scores_within(
        conn,
        kept,
        &Ask {
            q,
            boosts: &boosts,
            limit: MAX_CANDIDATES,
            public_at,
            window: Window::Newest,
            budget: MAX_RANKED,
        },
    )
}

/// What a ranking is asked: the query and a weight per clause, how many candidates it hands back,
/// the instant of the public view (none: any status), where to look first when the query matches
/// more than the database ranks, and how many matches it ranks at most there (`budget`).
pub struct Ask<'a> {
    pub q: &'a Query,
    pub boosts: &'a [f64],
    pub limit: i64,
    pub public_at: Option<chrono::NaiveDateTime>,
    pub window: Window,
    pub budget: f64,
}

/// [`scores`] as [`Ask`] says, with each match's analysed fields: when the query matches more than
/// the budget ([`MAX_RANKED`], or [`MAX_RANKED_AROUND`] around an article), the database ranks the
/// matches in an id range expected to hold that many (widened until it yields `limit` candidates), so
/// a query of common words costs what a narrow one does. `corpus`: the statistics as the caller just
/// read them.
pub fn scores_boosted(
    conn: &mut AnyConnection,
    kept: &Frequencies,
    corpus: &(Stats, Stamp),
    ask: &Ask,
) -> QueryResult<Vec<Scored>> {
    scored_within(conn, kept, Some(corpus), ask)
}

/// A match with its score and the analysed fields it was scored on (title, lede, tags, body).
pub struct Scored {
    pub id: i64,
    pub score: f64,
    pub fields: [String; 4],
}

/// [`scores`] as [`Ask`] says: ids and scores.
pub fn scores_within(
    conn: &mut AnyConnection,
    kept: &Frequencies,
    ask: &Ask,
) -> QueryResult<Vec<(i64, f64)>> {
    Ok(scored_within(conn, kept, None, ask)?
        .into_iter()
        .map(|s| (s.id, s.score))
        .collect())
}

/// [`scores_within`] with each match's analysed fields (the statistics read unless given).
fn scored_within(
    conn: &mut AnyConnection,
    kept: &Frequencies,
    corpus_read: Option<&(Stats, Stamp)>,
    ask: &Ask,
) -> QueryResult<Vec<Scored>> {
    let &Ask {
        q,
        boosts,
        limit,
        public_at,
        window,
        budget,
    } = ask;
    if q.clauses.is_empty() {
        return Ok(Vec::new());
    }
    let (stats, stamp) = match corpus_read {
        Some(c) => c.clone(),
        None => corpus(conn)?,
    };
    let df = clause_df(conn, kept, &stamp, q)?;
    let expected = df.iter().sum::<f64>().min(stats.docs);
    let mut widen = 1.0;
    let found = loop {
        let range = id_range(conn, expected, window, budget * widen)?;
        let found = match (range, window, &*conn) {
            // A search: the database's own ranking (it counts how often a word occurs, where presence
            // alone would rank the newest first), except in a window on SQLite, where bm25() would
            // count every match of every term in the whole table to weigh them. (By clause on
            // PostgreSQL too made a windowed search 17 ms slower at 100,000 articles.)
            (None, Window::Newest, _) | (Some(_), Window::Newest, AnyConnection::Postgresql(_)) => {
                candidates(conn, q, limit, public_at, range)?
            }
            // Related articles' candidates: ranked by clause on both databases, so both hand the
            // same ones to BM25F (their own rankings differ, and cut the LIMIT differently: 0.711
            // against 0.657 at 10,000 articles).
            (range, _, _) => {
                let ranked: Vec<i64> = by_clause(
                    conn,
                    q,
                    &df,
                    stats.docs,
                    boosts,
                    range.unwrap_or((i64::MIN, i64::MAX)),
                    public_at.is_some(),
                    window,
                    limit,
                )?;
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
        };
        if range.is_none() || found.len() as i64 >= limit {
            break found;
        }
        widen *= 4.0;
    };
    let mut found = found;
    if matches!(window, Window::Newest) && expected > budget {
        found.extend(rare_anywhere(
            conn, q, &df, budget, limit, public_at, &found,
        )?);
    }
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

/// For a search of several words whose matches fill more than its window of the newest ids: the
/// matches of its rarest words (as many as fit in `budget` together) in the whole archive, by the
/// database's own ranking, less those `found` already holds. A story's own names and words find
/// its older articles; a query of one common word keeps to the window (nothing is rare in it).
/// Phrases and prefixes keep to the window too (a phrase must match, so the rarest words alone
/// would not do).
fn rare_anywhere(
    conn: &mut AnyConnection,
    q: &Query,
    df: &[f64],
    budget: f64,
    limit: i64,
    public_at: Option<chrono::NaiveDateTime>,
    found: &[Candidate],
) -> QueryResult<Vec<Candidate>> {
    if q.clauses.len() < 2 || !q.clauses.iter().all(|c| matches!(c, Clause::Term(_))) {
        return Ok(Vec::new());
    }
    let mut order: Vec<usize> = (0..q.clauses.len()).collect();
    order.sort_by(|&a, &b| df[a].total_cmp(&df[b]).then(a.cmp(&b)));
    let mut expected = 0.0;
    let mut rare = Vec::new();
    for i in order {
        if expected + df[i] > budget {
            break;
        }
        expected += df[i];
        rare.push(q.clauses[i].clone());
    }
    if rare.is_empty() || rare.len() == q.clauses.len() {
        return Ok(Vec::new());
    }
    let have: std::collections::HashSet<i64> = found.iter().map(|c| c.id).collect();
    let more = candidates(conn, &Query { clauses: rare }, limit, public_at, None)?;
    Ok(more.into_iter().filter(|c| !have.contains(&c.id)).collect())
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
