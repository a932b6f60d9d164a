//! Reading the corpus statistics and the analysed fields, and the [`Frequencies`] a process keeps
//! of document frequencies and tag counts.

use std::sync::Mutex;

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::*;
use crate::db::{placeholders, AnyConnection};
use crate::domain::search::Stats;

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
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Stamp {
    epoch: String,
    generation: i64,
}

/// Corpus figures for BM25F (indexed documents and mean field lengths, kept by the writer) and the
/// statistics' [`Stamp`], in one read.
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

/// Document frequencies and tag counts one process keeps for one database, valid for one
/// generation of its statistics (held by the application state, beside the pool it reads).
#[derive(Default)]
pub struct Frequencies {
    kept: Mutex<Option<DfCache>>,
}

struct DfCache {
    stamp: Stamp,
    df: HashMap<String, i64>,
}

/// Terms kept at most (then the cache starts over).
const DF_CACHE_TERMS: usize = 500_000;

impl Frequencies {
    /// Forgets every frequency, as any write's new generation does (for benchmarks).
    pub fn clear(&self) {
        *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// [`term_df`] through the kept [`Frequencies`]: a term's frequency is read from the database once per
/// generation of the statistics, so a warm reader asks only for terms it has not seen since the last
/// write (every instance sees a write at once: the stamp is in the database). Read paths only: a
/// transaction that changes the statistics must not fill the cache.
pub fn term_df_cached(
    conn: &mut AnyConnection,
    kept: &Frequencies,
    stamp: &Stamp,
    terms: &[String],
) -> QueryResult<Vec<i64>> {
    cached(conn, kept, stamp, terms, term_df)
}

/// How many published articles carry each tag, as the writer keeps them in `tag_counts`, through the
/// same cache as [`term_df_cached`] (its keys are `#` and the tag id, which no term can be): a tag's
/// count changes only with a counted article's index entry, which moves the generation.
pub fn tag_counts_cached(
    conn: &mut AnyConnection,
    kept: &Frequencies,
    stamp: &Stamp,
    tag_ids: &[i64],
) -> QueryResult<HashMap<i64, i64>> {
    let keys: Vec<String> = tag_ids.iter().map(|id| format!("#{id}")).collect();
    let counts = cached(conn, kept, stamp, &keys, |conn, keys| {
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

/// Values per key from the kept [`Frequencies`] for the current [`Stamp`], the missing ones from `fetch`
/// (absent from its answer: 0); in the order of `terms`.
fn cached(
    conn: &mut AnyConnection,
    kept: &Frequencies,
    stamp: &Stamp,
    terms: &[String],
    fetch: impl FnOnce(&mut AnyConnection, &[String]) -> QueryResult<HashMap<String, i64>>,
) -> QueryResult<Vec<i64>> {
    // One lookup per term and no map of the answer: a related computation asks for thousands.
    let mut out = vec![0; terms.len()];
    let mut missing: Vec<usize> = Vec::new();
    {
        let cache = kept.kept.lock().unwrap_or_else(|e| e.into_inner());
        let cache = cache.as_ref().filter(|c| c.stamp == *stamp);
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
    let mut kept = kept.kept.lock().unwrap_or_else(|e| e.into_inner());
    let cache = kept.get_or_insert_with(|| DfCache {
        stamp: stamp.clone(),
        df: HashMap::new(),
    });
    if cache.stamp != *stamp {
        // Statistics moved (on, or back: a restored copy, or another database behind the same
        // URL): start over for this generation. A reader
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
