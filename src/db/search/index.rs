//! Writing the index and the statistics a ranking reads, in the writer's transaction.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::*;
use crate::db::{placeholders, AnyConnection, PUBLISHED};
use crate::domain::analyzer::{index_text, proper_names};

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

/// Statistics gathered in memory while many articles are indexed (a full rebuild, a bulk load),
/// written once at the end: written per article, one transaction would update the same popular rows
/// tens of thousands of times.
#[derive(Default)]
pub struct Rebuilt {
    df: HashMap<String, i64>,
    tags: HashMap<i64, i64>,
    authors: HashMap<i64, i64>,
    totals: [i64; 5],
}

impl Rebuilt {
    /// Counts an entry in (only a counted one adds anything).
    pub fn add(&mut self, e: &Entry) {
        if !e.counted {
            return;
        }
        for t in counted_terms(&e.fields) {
            *self.df.entry(t).or_default() += 1;
        }
        for t in &e.tag_ids {
            *self.tags.entry(*t).or_default() += 1;
        }
        for a in &e.author_ids {
            *self.authors.entry(*a).or_default() += 1;
        }
        self.totals
            .iter_mut()
            .zip(e.totals)
            .for_each(|(a, b)| *a += b);
    }
}

/// What the index stores of one article, made without the database (a bulk load makes them on
/// another thread): its analysed fields, its names, the tags and authors it is indexed with.
pub struct Entry {
    fields: [String; 4],
    totals: [i64; 5],
    names: String,
    tag_ids: Vec<i64>,
    tag_list: String,
    author_ids: Vec<i64>,
    author_list: String,
    counted: bool,
}

/// Ids as the names row keeps them: space-separated.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
}

/// [`id_list`] read back.
fn parse_ids(list: &str) -> Vec<i64> {
    list.split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect()
}

impl Entry {
    /// `tags` are the article's (id, name) pairs, `authors` its byline's ids.
    pub fn new(
        title: &str,
        lede: &str,
        body_text: &str,
        tags: &[(i64, String)],
        authors: &[i64],
        counted: bool,
    ) -> Entry {
        let names = proper_names(&format!("{title}\n{lede}\n{body_text}")).join(" ");
        let tag_ids: Vec<i64> = tags.iter().map(|(id, _)| *id).collect();
        let tag_names: Vec<&str> = tags.iter().map(|(_, n)| n.as_str()).collect();
        let tag_list = id_list(&tag_ids);
        let mut author_ids = authors.to_vec();
        author_ids.sort_unstable();
        author_ids.dedup();
        let author_list = id_list(&author_ids);
        let fields = [
            index_text(title),
            index_text(lede),
            index_text(&tag_names.join(" , ")),
            index_text(body_text),
        ];
        let totals = [
            1,
            terms_in(&fields[0]),
            terms_in(&fields[1]),
            terms_in(&fields[2]),
            terms_in(&fields[3]),
        ];
        Entry {
            fields,
            totals,
            names,
            tag_ids,
            tag_list,
            author_ids,
            author_list,
            counted,
        }
    }
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
    let tags: Vec<(i64, String)> = {
        use crate::db::schema::{article_tags, tags};
        article_tags::table
            .inner_join(tags::table)
            .filter(article_tags::article_id.eq(id))
            .select((tags::id, tags::name))
            .load::<(i64, String)>(conn)?
    };
    let authors: Vec<i64> = {
        use crate::db::schema::article_authors;
        article_authors::table
            .filter(article_authors::article_id.eq(id))
            .select(article_authors::author_id)
            .load(conn)?
    };
    let e = Entry::new(title, lede, body_text, &tags, &authors, counted);
    let sql = |pg: bool| {
        if pg {
            "INSERT INTO article_names (article_id, names, tag_ids, author_ids) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (article_id) DO UPDATE SET names = EXCLUDED.names, tag_ids = EXCLUDED.tag_ids, \
             author_ids = EXCLUDED.author_ids"
        } else {
            "INSERT INTO article_names (article_id, names, tag_ids, author_ids) VALUES (?, ?, ?, ?) \
             ON CONFLICT (article_id) DO UPDATE SET names = excluded.names, tag_ids = excluded.tag_ids, \
             author_ids = excluded.author_ids"
        }
    };
    match conn {
        AnyConnection::Sqlite(c) => crate::db::Reused(
            diesel::sql_query(sql(false))
                .bind::<BigInt, _>(id)
                .bind::<Text, _>(&e.names)
                .bind::<Text, _>(&e.tag_list)
                .bind::<Text, _>(&e.author_list),
        )
        .execute(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(sql(true))
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(&e.names)
            .bind::<Text, _>(&e.tag_list)
            .bind::<Text, _>(&e.author_list)
            .execute(c)?,
    };
    match rebuilt {
        Some(r) => r.add(&e),
        None => {
            if counted {
                adjust_df(conn, &counted_terms(&e.fields), 1)?;
                adjust_kept(conn, Kept::Tags, &e.tag_ids, 1)?;
                adjust_kept(conn, Kept::Authors, &e.author_ids, 1)?;
                adjust_totals(conn, e.totals)?;
            }
        }
    }
    let [t, l, g, b] = &e.fields;
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

/// Writes the entries of new articles (none indexed yet), many rows per statement; their
/// statistics go to `rebuilt`, written by [`add_rebuilt`].
pub fn insert_entries(
    conn: &mut AnyConnection,
    entries: &[(i64, &Entry)],
    rebuilt: &mut Rebuilt,
) -> QueryResult<()> {
    mod lite {
        diesel::table! { article_search (rowid) { rowid -> BigInt, title -> Text, lede -> Text, tags -> Text, body -> Text, counted -> BigInt, } }
    }
    mod pg {
        diesel::table! { article_search (article_id) { article_id -> BigInt, title -> Text, lede -> Text, tags -> Text, body -> Text, counted -> BigInt, } }
    }
    diesel::table! { article_names (article_id) { article_id -> BigInt, names -> Text, tag_ids -> Text, author_ids -> Text, } }
    for chunk in entries.chunks(500) {
        let names: Vec<_> = chunk
            .iter()
            .map(|(id, e)| {
                (
                    article_names::article_id.eq(*id),
                    article_names::names.eq(&e.names),
                    article_names::tag_ids.eq(&e.tag_list),
                    article_names::author_ids.eq(&e.author_list),
                )
            })
            .collect();
        on_each!(&mut *conn, |c| diesel::insert_into(article_names::table)
            .values(&names)
            .execute(c))?;
        // The same rows for either table; only the key's name differs (FTS5's rowid).
        macro_rules! search_rows {
            ($m:ident, $key:ident) => {
                chunk
                    .iter()
                    .map(|(id, e)| {
                        (
                            $m::article_search::$key.eq(*id),
                            $m::article_search::title.eq(&e.fields[0]),
                            $m::article_search::lede.eq(&e.fields[1]),
                            $m::article_search::tags.eq(&e.fields[2]),
                            $m::article_search::body.eq(&e.fields[3]),
                            $m::article_search::counted.eq(i64::from(e.counted)),
                        )
                    })
                    .collect::<Vec<_>>()
            };
        }
        match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(lite::article_search::table)
                .values(&search_rows!(lite, rowid))
                .execute(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(pg::article_search::table)
                .values(&search_rows!(pg, article_id))
                .execute(c)?,
        };
        for (_, e) in chunk {
            rebuilt.add(e);
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
        #[diesel(sql_type = Text)]
        author_ids: String,
    }
    let sql = |pg: bool| {
        let key = if pg { "s.article_id" } else { "s.rowid" };
        format!(
            "SELECT s.title, s.lede, s.tags, s.body, s.counted, COALESCE(n.tag_ids, '') AS tag_ids, \
             COALESCE(n.author_ids, '') AS author_ids FROM article_search s LEFT JOIN article_names n ON n.article_id = {key} WHERE {key} = {}",
            placeholders(pg, 1, 1)
        )
    };
    let rows: Vec<Old> = dyn_query!(conn, sql, [id], BigInt, load)?;
    if let Some(old) = rows.into_iter().next().filter(|r| r.counted == 1) {
        adjust_kept(conn, Kept::Tags, &parse_ids(&old.tag_ids), -1)?;
        adjust_kept(conn, Kept::Authors, &parse_ids(&old.author_ids), -1)?;
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

/// The published-article counts the index keeps per tag and per author.
#[derive(Clone, Copy)]
enum Kept {
    Tags,
    Authors,
}

impl Kept {
    /// The table and its key column.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Kept::Tags => ("tag_counts", "tag_id"),
            Kept::Authors => ("author_counts", "author_id"),
        }
    }

    /// Adds `counts` ((id, how many)) to the kept counts, a statement per 400.
    fn add(self, conn: &mut AnyConnection, counts: &[(i64, i64)]) -> QueryResult<()> {
        let (table, key) = self.table();
        for chunk in counts.chunks(400) {
            let sql = |pg: bool| {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("({})", placeholders(pg, 2 * i + 1, 2)))
                    .collect();
                format!(
                    "INSERT INTO {table} ({key}, published) VALUES {} \
                     ON CONFLICT ({key}) DO UPDATE SET published = {table}.published + excluded.published",
                    values.join(", ")
                )
            };
            let binds = chunk.iter().flat_map(|(t, n)| [*t, *n]);
            dyn_query!(once: conn, sql, binds, BigInt, execute)?;
        }
        Ok(())
    }
}

/// Adds `delta` (+1 or -1) to the published count of each of these tags or authors (distinct ids).
fn adjust_kept(conn: &mut AnyConnection, kept: Kept, ids: &[i64], delta: i64) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    if delta > 0 {
        let ones: Vec<(i64, i64)> = ids.iter().map(|id| (*id, 1)).collect();
        return kept.add(conn, &ones);
    }
    let (table, key) = kept.table();
    let sql = |pg: bool| {
        format!(
            "UPDATE {table} SET published = published - 1 WHERE {key} IN ({})",
            placeholders(pg, 1, ids.len())
        )
    };
    dyn_query!(once: conn, sql, ids.iter().copied(), BigInt, execute)?;
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

/// Rebuilds the whole index from the articles; returns how many were indexed.
pub fn reindex_all(conn: &mut AnyConnection) -> QueryResult<usize> {
    use crate::db::schema::articles;
    let none: [i64; 0] = [];
    for sql in [
        "DELETE FROM search_terms",
        "DELETE FROM article_search",
        "DELETE FROM article_names",
        "DELETE FROM tag_counts",
        "DELETE FROM author_counts",
        "UPDATE search_totals SET docs = 0, title_terms = 0, lede_terms = 0, tags_terms = 0, body_terms = 0",
    ] {
        dyn_query!(conn, |_| sql.to_owned(), none, BigInt, execute)?;
    }
    let ids: Vec<i64> = articles::table
        .select(articles::id)
        .order(articles::id.asc())
        .load(conn)?;
    let mut rebuilt = Rebuilt::default();
    index_many(conn, &ids, Some(&mut rebuilt))?;
    add_rebuilt(conn, rebuilt, true)?;
    crate::db::related::mark_all_stale(conn)?;
    Ok(ids.len())
}

/// Adds statistics gathered in memory to the tables; `new_epoch` after a full rebuild, which is a
/// new history: no process keeps what it knew of the old one.
pub fn add_rebuilt(conn: &mut AnyConnection, rebuilt: Rebuilt, new_epoch: bool) -> QueryResult<()> {
    for (kept, counts) in [(Kept::Tags, rebuilt.tags), (Kept::Authors, rebuilt.authors)] {
        let mut counts: Vec<(i64, i64)> = counts.into_iter().collect();
        counts.sort_unstable();
        kept.add(conn, &counts)?;
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
                "INSERT INTO search_terms (term, df) VALUES {} \
                 ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df",
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
    let sql = |pg: bool| {
        let p = placeholders(pg, 1, 5);
        let p: Vec<&str> = p.split(", ").collect();
        let epoch = match (new_epoch, pg) {
            (false, _) => "epoch",
            (true, true) => "md5(random()::text || clock_timestamp()::text)",
            (true, false) => "lower(hex(randomblob(16)))",
        };
        format!(
            "UPDATE search_totals SET docs = docs + {}, title_terms = title_terms + {}, lede_terms = lede_terms + {}, \
             tags_terms = tags_terms + {}, body_terms = body_terms + {}, generation = generation + 1, epoch = {epoch} \
             WHERE id = 1",
            p[0], p[1], p[2], p[3], p[4]
        )
    };
    dyn_query!(conn, sql, rebuilt.totals, BigInt, execute)?;
    Ok(())
}

/// What indexing reads of some articles: id, title, lede, plain body, status.
#[allow(clippy::type_complexity)]
fn index_rows(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String, Option<String>, String, String)>> {
    use crate::db::schema::articles;
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
    use crate::db::schema::article_tags;
    article_tags::table
        .filter(article_tags::tag_id.eq(tag_id))
        .select(article_tags::article_id)
        .load(conn)
}

/// Reindexes some articles.
pub fn reindex_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<()> {
    index_many(conn, ids, None)
}

/// Indexes these articles, read 500 at a time (their statistics gathered in `rebuilt` during a
/// full rebuild, written at once otherwise).
fn index_many(
    conn: &mut AnyConnection,
    ids: &[i64],
    mut rebuilt: Option<&mut Rebuilt>,
) -> QueryResult<()> {
    for chunk in ids.chunks(500) {
        for (id, title, lede, body, status) in index_rows(conn, chunk)? {
            index_into(
                conn,
                id,
                &title,
                lede.as_deref().unwrap_or(""),
                &body,
                status == PUBLISHED,
                rebuilt.as_deref_mut(),
            )?;
        }
    }
    Ok(())
}

/// What the index holds: how many articles, and how many with their names recorded.
pub struct IndexState {
    pub articles: i64,
    pub named: i64,
}

/// [`IndexState`] in one statement.
pub fn indexed_count(conn: &mut AnyConnection) -> QueryResult<IndexState> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        indexed: i64,
        #[diesel(sql_type = BigInt)]
        named: i64,
    }
    let n: N = dyn_query!(
        conn,
        |_| "SELECT (SELECT count(*) FROM article_search) AS indexed, \
             (SELECT count(*) FROM article_names) AS named"
            .to_owned(),
        [] as [&str; 0],
        Text,
        get_result
    )?;
    Ok(IndexState {
        articles: n.indexed,
        named: n.named,
    })
}
