//! Storing an article: insert, update, delete (its rubrique's count kept with it), slug checks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::counts::{recount, rubrique_of};
use super::*;
use crate::db::schema::articles;

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

/// The columns a write stores from `w` (an insert's values and an update's changes alike), in two
/// tuples because diesel's tuples stop at 16; `$created` is the creation instant the article sorts by
/// while it has no publication date.
macro_rules! written {
    ($w:expr, $created:expr) => {{
        let w: &ArticleWrite = $w;
        (
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
                articles::sort_at.eq(w.sort_at($created)),
                articles::rubrique_id.eq(w.rubrique_id),
                articles::featured_image.eq(&w.featured_image),
                articles::source.eq(&w.source),
                articles::location.eq(&w.location),
                articles::language.eq(&w.language),
                articles::word_count.eq(w.word_count),
                articles::reading_time_minutes.eq(w.reading_time_minutes),
                articles::related_enabled.eq(w.related_enabled),
            ),
        )
    }};
}

pub fn insert(conn: &mut AnyConnection, w: &ArticleWrite, now: NaiveDateTime) -> QueryResult<i64> {
    let id: Option<i64> = match conn {
        AnyConnection::Sqlite(_) => take_ids(conn, 1)?.pop(),
        AnyConnection::Postgresql(_) => None,
    };
    let id = diesel::insert_into(articles::table)
        .values((
            id.map(|id| articles::id.eq(id)),
            written!(w, now),
            (
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

/// Inserts new articles with the ids given (from [`take_ids`], under the write lock), 400 rows per
/// statement: the bulk load's insert. The rubriques' counts are the caller's ([`add_published`]):
/// recounted per batch, they cost more than the insert.
pub fn insert_many(
    conn: &mut AnyConnection,
    rows: &[(i64, &ArticleWrite)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for chunk in rows.chunks(400) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(id, w)| {
                (
                    articles::id.eq(*id),
                    written!(w, now),
                    (
                        articles::version.eq(1),
                        articles::created_at.eq(now),
                        articles::updated_at.eq(now),
                    ),
                )
            })
            .collect();
        match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(articles::table)
                .values(values)
                .execute(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(articles::table)
                .values(values)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Takes `n` article ids, in order, under the write lock. An id is never given twice: partners,
/// revisions and the audit log key on it. PostgreSQL's identity never goes back; SQLite's rowid
/// would reuse the highest id once its row is deleted, so SQLite keeps the highest id given in
/// `article_ids`.
pub fn take_ids(conn: &mut AnyConnection, n: usize) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    let ids: Vec<Id> = match conn {
        AnyConnection::Sqlite(c) => {
            crate::db::Reused(diesel::sql_query(
                "UPDATE article_ids SET last = MAX(last, COALESCE((SELECT max(id) FROM articles), 0)) + ? \
                 WHERE id = 1 RETURNING last AS id",
            )
            .bind::<BigInt, _>(n as i64))
            .load(c)?
        }
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT nextval(pg_get_serial_sequence('articles', 'id')) AS id FROM generate_series(1, $1) ORDER BY 1",
        )
        .bind::<BigInt, _>(n as i64)
        .load(c)?,
    };
    Ok(match conn {
        AnyConnection::Sqlite(_) => {
            let last = ids.first().map_or(0, |i| i.id);
            ((last - n as i64 + 1)..=last).collect()
        }
        AnyConnection::Postgresql(_) => ids.into_iter().map(|i| i.id).collect(),
    })
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
            written!(w, created_at),
            (
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

/// Sets an article's creation and modification times (an import keeps the source's), and its
/// place in the lists when it has no publication instant.
pub fn set_times(
    conn: &mut AnyConnection,
    id: i64,
    created: NaiveDateTime,
    updated: NaiveDateTime,
) -> QueryResult<usize> {
    let created = crate::domain::to_seconds(created);
    let updated = crate::domain::to_seconds(updated).max(created);
    let published: Option<NaiveDateTime> = articles::table
        .filter(articles::id.eq(id))
        .select(articles::published_at)
        .first(conn)?;
    diesel::update(articles::table.filter(articles::id.eq(id)))
        .set((
            articles::created_at.eq(created),
            articles::updated_at.eq(updated),
            articles::sort_at.eq(published.unwrap_or(created)),
        ))
        .execute(conn)
}

pub fn slug_taken(conn: &mut AnyConnection, slug: &str, except: Option<i64>) -> QueryResult<bool> {
    let n: i64 = articles::table
        .filter(articles::slug.eq(slug))
        .filter(articles::id.ne(except.unwrap_or(-1)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
