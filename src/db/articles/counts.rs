//! Published-article counts per rubrique, kept by the writer in `article_counts` and read by
//! the public listing's total.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::*;
use crate::db::schema::articles;

/// Published and due articles, in `rubriques` (all when None), from `article_counts`.
pub(super) fn public_count(
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
            // Prepared: one plan whatever the instant and rubriques (see `Reused`).
            crate::db::Reused(q).get_result(c)?
        }
    };
    Ok(n.n)
}

/// Adds new published articles to their rubriques' counts: (rubrique, how many). For a bulk load,
/// whose batches would each recount every rubrique's articles.
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
/// transaction, after an article of theirs was written or deleted).
pub(super) fn recount(conn: &mut AnyConnection, rubriques: &[i64]) -> QueryResult<()> {
    let mut rubriques = rubriques.to_vec();
    rubriques.sort_unstable();
    rubriques.dedup();
    for r in rubriques {
        let sql = |pg: bool| {
            let p = crate::db::placeholders(pg, 1, 2);
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
pub(super) fn rubrique_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<i64>> {
    articles::table
        .filter(articles::id.eq(id))
        .select(articles::rubrique_id)
        .first(conn)
        .optional()
}
