//! The full-text index: analysed text per article, FTS5 on SQLite and a weighted tsvector on PostgreSQL.
//! The two statements differ; the analysed terms they index, and so the matches, are the same.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};

use super::AnyConnection;
use crate::domain::analyzer::index_text;
use crate::domain::search::{Clause, Doc, Query, Stats};

/// (Re)indexes one article with its tag names, in the caller's transaction.
pub fn index(
    conn: &mut AnyConnection,
    id: i64,
    title: &str,
    lede: &str,
    body_text: &str,
) -> QueryResult<()> {
    let tags: Vec<String> = {
        use super::schema::{article_tags, tags};
        article_tags::table
            .inner_join(tags::table)
            .filter(article_tags::article_id.eq(id))
            .select(tags::name)
            .load(conn)?
    };
    let (t, l, g, b) = (
        index_text(title),
        index_text(lede),
        index_text(&tags.join(" , ")),
        index_text(body_text),
    );
    let new_terms = distinct_terms(&[&t, &l, &g, &b]);
    let old = fields_of(conn, id)?.unwrap_or_default();
    let old_terms = distinct_terms(&[&old[0], &old[1], &old[2], &old[3]]);
    let added: Vec<&str> = new_terms
        .iter()
        .filter(|x| !old_terms.contains(x))
        .copied()
        .collect();
    let removed: Vec<&str> = old_terms
        .iter()
        .filter(|x| !new_terms.contains(x))
        .copied()
        .collect();
    adjust_df(conn, &added, 1)?;
    adjust_df(conn, &removed, -1)?;
    match conn {
        AnyConnection::Sqlite(c) => {
            diesel::sql_query("DELETE FROM article_search WHERE rowid = ?")
                .bind::<BigInt, _>(id)
                .execute(c)?;
            diesel::sql_query("INSERT INTO article_search (rowid, title, lede, tags, body) VALUES (?, ?, ?, ?, ?)")
                .bind::<BigInt, _>(id)
                .bind::<Text, _>(t)
                .bind::<Text, _>(l)
                .bind::<Text, _>(g)
                .bind::<Text, _>(b)
                .execute(c)?;
        }
        AnyConnection::Postgresql(c) => {
            diesel::sql_query(
                "INSERT INTO article_search (article_id, title, lede, tags, body) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, lede = EXCLUDED.lede, \
                 tags = EXCLUDED.tags, body = EXCLUDED.body",
            )
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(t)
            .bind::<Text, _>(l)
            .bind::<Text, _>(g)
            .bind::<Text, _>(b)
            .execute(c)?;
        }
    }
    Ok(())
}

/// The distinct terms of some analysed fields, sorted.
fn distinct_terms<'a>(fields: &[&'a str]) -> Vec<&'a str> {
    let mut terms: Vec<&str> = fields.iter().flat_map(|f| f.split_whitespace()).collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The analysed fields (title, lede, tags, body) an article is indexed with.
pub fn fields_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<[String; 4]>> {
    let row: Option<Candidate> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query("SELECT rowid AS id, title, lede, tags, body FROM article_search WHERE rowid = ?")
            .bind::<BigInt, _>(id)
            .get_result(c)
            .optional()?,
        AnyConnection::Postgresql(c) => {
            diesel::sql_query("SELECT article_id AS id, title, lede, tags, body FROM article_search WHERE article_id = $1")
                .bind::<BigInt, _>(id)
                .get_result(c)
                .optional()?
        }
    };
    Ok(row.map(|r| [r.title, r.lede, r.tags, r.body]))
}

/// The analysed fields of several articles (those not indexed are absent).
pub fn fields_many(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, [String; 4]>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(400) {
        let rows: Vec<Candidate> = match conn {
            AnyConnection::Sqlite(c) => {
                let list = vec!["?"; chunk.len()].join(", ");
                let mut q = diesel::sql_query(format!(
                    "SELECT rowid AS id, title, lede, tags, body FROM article_search WHERE rowid IN ({list})"
                ))
                .into_boxed::<diesel::sqlite::Sqlite>();
                for id in chunk {
                    q = q.bind::<BigInt, _>(*id);
                }
                q.load(c)?
            }
            AnyConnection::Postgresql(c) => {
                let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let mut q = diesel::sql_query(format!(
                    "SELECT article_id AS id, title, lede, tags, body FROM article_search WHERE article_id IN ({})",
                    list.join(", ")
                ))
                .into_boxed::<diesel::pg::Pg>();
                for id in chunk {
                    q = q.bind::<BigInt, _>(*id);
                }
                q.load(c)?
            }
        };
        out.extend(
            rows.into_iter()
                .map(|r| (r.id, [r.title, r.lede, r.tags, r.body])),
        );
    }
    Ok(out)
}

/// Adds `delta` (+1 or -1) to the document frequency of each term.
fn adjust_df(conn: &mut AnyConnection, terms: &[&str], delta: i64) -> QueryResult<()> {
    for chunk in terms.chunks(400) {
        let sql = |pg: bool| {
            let ph = |i: usize| {
                if pg {
                    format!("${}", i + 1)
                } else {
                    "?".to_owned()
                }
            };
            if delta > 0 {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("({}, 1)", ph(i)))
                    .collect();
                format!(
                    "INSERT INTO search_terms (term, df) VALUES {} ON CONFLICT (term) DO UPDATE SET df = search_terms.df + 1",
                    values.join(", ")
                )
            } else {
                let list: Vec<String> = (0..chunk.len()).map(ph).collect();
                format!(
                    "UPDATE search_terms SET df = df - 1 WHERE term IN ({})",
                    list.join(", ")
                )
            }
        };
        match conn {
            AnyConnection::Sqlite(c) => {
                let mut q = diesel::sql_query(sql(false)).into_boxed::<diesel::sqlite::Sqlite>();
                for t in chunk {
                    q = q.bind::<Text, _>(*t);
                }
                q.execute(c)?;
            }
            AnyConnection::Postgresql(c) => {
                let mut q = diesel::sql_query(sql(true)).into_boxed::<diesel::pg::Pg>();
                for t in chunk {
                    q = q.bind::<Text, _>(*t);
                }
                q.execute(c)?;
            }
        }
    }
    if delta < 0 && !terms.is_empty() {
        match conn {
            AnyConnection::Sqlite(c) => {
                diesel::sql_query("DELETE FROM search_terms WHERE df <= 0").execute(c)?
            }
            AnyConnection::Postgresql(c) => {
                diesel::sql_query("DELETE FROM search_terms WHERE df <= 0").execute(c)?
            }
        };
    }
    Ok(())
}

/// Removes an article from the index (before the article itself is deleted).
pub fn unindex(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    if let Some(old) = fields_of(conn, id)? {
        let terms = distinct_terms(&[&old[0], &old[1], &old[2], &old[3]]);
        adjust_df(conn, &terms, -1)?;
    }
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query("DELETE FROM article_search WHERE rowid = ?")
            .bind::<BigInt, _>(id)
            .execute(c)?,
        AnyConnection::Postgresql(c) => {
            diesel::sql_query("DELETE FROM article_search WHERE article_id = $1")
                .bind::<BigInt, _>(id)
                .execute(c)?
        }
    };
    Ok(())
}

/// Document frequencies of some terms (absent terms are in no document).
pub fn term_df(
    conn: &mut AnyConnection,
    terms: &[String],
) -> QueryResult<std::collections::HashMap<String, i64>> {
    #[derive(QueryableByName)]
    struct Df {
        #[diesel(sql_type = Text)]
        term: String,
        #[diesel(sql_type = BigInt)]
        df: i64,
    }
    let mut out = std::collections::HashMap::new();
    for chunk in terms.chunks(400) {
        let rows: Vec<Df> = match conn {
            AnyConnection::Sqlite(c) => {
                let list = vec!["?"; chunk.len()].join(", ");
                let mut q = diesel::sql_query(format!(
                    "SELECT term, df FROM search_terms WHERE term IN ({list})"
                ))
                .into_boxed::<diesel::sqlite::Sqlite>();
                for t in chunk {
                    q = q.bind::<Text, _>(t.as_str());
                }
                q.load(c)?
            }
            AnyConnection::Postgresql(c) => {
                let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let mut q = diesel::sql_query(format!(
                    "SELECT term, df FROM search_terms WHERE term IN ({})",
                    list.join(", ")
                ))
                .into_boxed::<diesel::pg::Pg>();
                for t in chunk {
                    q = q.bind::<Text, _>(t.as_str());
                }
                q.load(c)?
            }
        };
        out.extend(rows.into_iter().map(|r| (r.term, r.df)));
    }
    Ok(out)
}

/// How many candidates the database's own ranking hands to BM25F: enough for any page a reader turns to.
pub const MAX_CANDIDATES: i64 = 1000;

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    lede: String,
    #[diesel(sql_type = Text)]
    tags: String,
    #[diesel(sql_type = Text)]
    body: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Lengths {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Double)]
    title: f64,
    #[diesel(sql_type = Double)]
    lede: f64,
    #[diesel(sql_type = Double)]
    tags: f64,
    #[diesel(sql_type = Double)]
    body: f64,
}

/// Terms in a space-separated field, in SQL that both databases speak.
const TERMS: &str = "(length(FIELD) - length(replace(FIELD, ' ', '')) + CASE WHEN length(FIELD) > 0 THEN 1 ELSE 0 END)";

/// Corpus figures for BM25F: indexed documents and mean field lengths.
pub fn stats(conn: &mut AnyConnection) -> QueryResult<Stats> {
    let avg = |f: &str| {
        format!(
            "CAST(COALESCE(AVG({}), 0) AS DOUBLE PRECISION)",
            TERMS.replace("FIELD", f)
        )
    };
    let sql = format!(
        "SELECT count(*) AS n, {} AS title, {} AS lede, {} AS tags, {} AS body FROM article_search",
        avg("title"),
        avg("lede"),
        avg("tags"),
        avg("body")
    );
    let l: Lengths = match conn {
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(sql.replace("DOUBLE PRECISION", "REAL")).get_result(c)?
        }
        AnyConnection::Postgresql(c) => diesel::sql_query(sql).get_result(c)?,
    };
    Ok(Stats {
        docs: l.n as f64,
        avg_len: [l.title, l.lede, l.tags, l.body],
    })
}

/// Articles matching the query with their BM25F relevance (higher is better), whatever their status:
/// the caller intersects with what it may show. The database finds the matches and pre-ranks them
/// (at most [`MAX_CANDIDATES`]); the score itself is computed in Rust, so both databases agree.
pub fn scores(conn: &mut AnyConnection, q: &Query) -> QueryResult<Vec<(i64, f64)>> {
    scores_boosted(conn, q, &vec![1.0; q.clauses.len()])
}

/// [`scores`] with a weight per clause.
pub fn scores_boosted(
    conn: &mut AnyConnection,
    q: &Query,
    boosts: &[f64],
) -> QueryResult<Vec<(i64, f64)>> {
    if q.clauses.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<Candidate> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT rowid AS id, title, lede, tags, body FROM article_search WHERE article_search MATCH ? \
             ORDER BY bm25(article_search, 3.0, 2.0, 2.0, 1.0) LIMIT ?",
        )
        .bind::<Text, _>(q.fts5())
        .bind::<BigInt, _>(MAX_CANDIDATES)
        .load(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT article_id AS id, title, lede, tags, body FROM article_search WHERE document @@ to_tsquery('simple', $1) \
             ORDER BY ts_rank_cd(document, to_tsquery('simple', $1), 1) DESC LIMIT $2",
        )
        .bind::<Text, _>(q.tsquery())
        .bind::<BigInt, _>(MAX_CANDIDATES)
        .load(c)?,
    };
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let plain: Vec<String> = q
        .clauses
        .iter()
        .filter_map(|c| {
            if let Clause::Term(t) = c {
                Some(t.clone())
            } else {
                None
            }
        })
        .collect();
    let known = term_df(conn, &plain)?;
    let mut df = Vec::with_capacity(q.clauses.len());
    for clause in &q.clauses {
        if let Clause::Term(t) = clause {
            df.push(known.get(t).copied().unwrap_or(0) as f64);
            continue;
        }
        let n: Count = match conn {
            AnyConnection::Sqlite(c) => {
                diesel::sql_query("SELECT count(*) AS n FROM article_search WHERE article_search MATCH ?")
                    .bind::<Text, _>(Query::fts5_clause(clause))
                    .get_result(c)?
            }
            AnyConnection::Postgresql(c) => {
                diesel::sql_query("SELECT count(*) AS n FROM article_search WHERE document @@ to_tsquery('simple', $1)")
                    .bind::<Text, _>(Query::tsquery_clause(clause))
                    .get_result(c)?
            }
        };
        df.push(n.n as f64);
    }
    let stats = stats(conn)?;
    let docs: Vec<Doc<'_>> = candidates
        .iter()
        .map(|c| Doc {
            id: c.id,
            fields: [
                c.title.as_str(),
                c.lede.as_str(),
                c.tags.as_str(),
                c.body.as_str(),
            ],
        })
        .collect();
    Ok(q.bm25f_boosted(&docs, &df, stats, boosts))
}

/// Rebuilds the whole index from the articles; returns how many were indexed.
pub fn reindex_all(conn: &mut AnyConnection) -> QueryResult<usize> {
    use super::schema::articles;
    let rows: Vec<(i64, String, Option<String>, String)> = articles::table
        .select((
            articles::id,
            articles::title,
            articles::lede,
            articles::body_text,
        ))
        .order(articles::id.asc())
        .load(conn)?;
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query("DELETE FROM article_search").execute(c)?,
        AnyConnection::Postgresql(c) => {
            diesel::sql_query("DELETE FROM article_search").execute(c)?
        }
    };
    for (id, title, lede, body) in &rows {
        index(conn, *id, title, lede.as_deref().unwrap_or(""), body)?;
    }
    Ok(rows.len())
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
    use super::schema::articles;
    let rows: Vec<(i64, String, Option<String>, String)> = articles::table
        .filter(articles::id.eq_any(ids))
        .select((
            articles::id,
            articles::title,
            articles::lede,
            articles::body_text,
        ))
        .load(conn)?;
    for (id, title, lede, body) in rows {
        index(conn, id, &title, lede.as_deref().unwrap_or(""), &body)?;
    }
    Ok(())
}

/// How many articles the index holds.
pub fn indexed_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = match conn {
        AnyConnection::Sqlite(c) => {
            diesel::sql_query("SELECT count(*) AS n FROM article_search").get_result(c)?
        }
        AnyConnection::Postgresql(c) => {
            diesel::sql_query("SELECT count(*) AS n FROM article_search").get_result(c)?
        }
    };
    Ok(n.n)
}
