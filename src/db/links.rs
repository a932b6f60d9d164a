//! The links of an article: its ordered byline, its tags and its pinned related articles.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::models::Ref;
use super::schema::{article_authors, article_pins, article_tags};
use super::AnyConnection;

/// Replaces an article's byline (in order).
pub fn set_authors(conn: &mut AnyConnection, article: i64, author_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article)))
        .execute(conn)?;
    for (pos, author) in author_ids.iter().enumerate() {
        diesel::insert_into(article_authors::table)
            .values((
                article_authors::article_id.eq(article),
                article_authors::author_id.eq(author),
                article_authors::position.eq(pos as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_tags(conn: &mut AnyConnection, article: i64, tag_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article)))
        .execute(conn)?;
    for tag in tag_ids {
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(article),
                article_tags::tag_id.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_pins(conn: &mut AnyConnection, article: i64, related: &[i64]) -> QueryResult<()> {
    diesel::delete(article_pins::table.filter(article_pins::article_id.eq(article)))
        .execute(conn)?;
    for (pos, rel) in related.iter().enumerate() {
        diesel::insert_into(article_pins::table)
            .values((
                article_pins::article_id.eq(article),
                article_pins::related_id.eq(rel),
                article_pins::position.eq(pos as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The pinned related article ids of an article, in order.
pub fn pins(conn: &mut AnyConnection, article: i64) -> QueryResult<Vec<i64>> {
    article_pins::table
        .filter(article_pins::article_id.eq(article))
        .order(article_pins::position.asc())
        .select(article_pins::related_id)
        .load(conn)
}

/// The author ids of an article's byline, in order.
pub fn author_ids(conn: &mut AnyConnection, article: i64) -> QueryResult<Vec<i64>> {
    article_authors::table
        .filter(article_authors::article_id.eq(article))
        .order(article_authors::position.asc())
        .select(article_authors::author_id)
        .load(conn)
}

pub fn tag_ids(conn: &mut AnyConnection, article: i64) -> QueryResult<Vec<i64>> {
    article_tags::table
        .filter(article_tags::article_id.eq(article))
        .select(article_tags::tag_id)
        .load(conn)
}

/// What a page of articles refers to, loaded in one query whatever the page size.
#[derive(Default)]
pub struct Relations {
    pub rubriques: HashMap<i64, Ref>,
    pub authors: HashMap<i64, Vec<Ref>>,
    pub tags: HashMap<i64, Vec<Ref>>,
}

pub fn load(
    conn: &mut AnyConnection,
    article_ids: &[i64],
    rubrique_ids: &[i64],
) -> QueryResult<Relations> {
    if article_ids.is_empty() {
        return Ok(Relations::default());
    }
    // Keys padded to a few list lengths: SQLite prepares the statement once per pair of lengths
    // and connection (see `Reused`).
    // (No rubrique id matches -1: an empty `IN ()` is no SQL.)
    let rubrique_ids = super::padded_keys(if rubrique_ids.is_empty() {
        &[-1]
    } else {
        rubrique_ids
    });
    let article_ids = super::padded_keys(article_ids);
    #[derive(QueryableByName)]
    struct Linked {
        #[diesel(sql_type = Integer)]
        kind: i32,
        #[diesel(sql_type = BigInt)]
        article_id: i64,
        #[diesel(sql_type = Integer)]
        pos: i32,
        #[diesel(sql_type = Text)]
        sort_key: String,
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        slug: String,
        #[diesel(sql_type = Text)]
        name: String,
    }
    // One statement for the three kinds of link: on PostgreSQL each statement is a round trip,
    // the larger part of a page's time. The article ids are bound once and used twice.
    let (nr, na) = (rubrique_ids.len(), article_ids.len());
    let sql = |pg: bool| {
        let list = |from: usize, n: usize| -> String {
            (from..from + n)
                .map(|i| if pg { format!("${i}") } else { format!("?{i}") })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (r, a) = (list(1, nr), list(nr + 1, na));
        format!(
            "SELECT 0 AS kind, CAST(0 AS BIGINT) AS article_id, 0 AS pos, '' AS sort_key, r.id, r.slug, r.name \
             FROM rubriques r WHERE r.id IN ({r}) \
             UNION ALL SELECT 1, l.article_id, l.position, '', a.id, a.slug, a.name \
             FROM article_authors l JOIN authors a ON a.id = l.author_id WHERE l.article_id IN ({a}) \
             UNION ALL SELECT 2, l.article_id, 0, t.name_key, t.id, t.slug, t.name \
             FROM article_tags l JOIN tags t ON t.id = l.tag_id WHERE l.article_id IN ({a})"
        )
    };
    let keys = rubrique_ids.iter().chain(&article_ids).copied();
    // Prepared for the padded lengths only: over 400 keys (the changes feed reads up to 500) each
    // length would be one more statement kept by every connection.
    let mut linked: Vec<Linked> = if article_ids.len() <= 400 && rubrique_ids.len() <= 400 {
        dyn_query!(prepared: conn, sql, keys, BigInt, load)?
    } else {
        dyn_query!(once: conn, sql, keys, BigInt, load)?
    };
    // Bylines in their order, tags by name.
    linked.sort_by(|x, y| {
        (x.kind, x.article_id, x.pos, &x.sort_key).cmp(&(y.kind, y.article_id, y.pos, &y.sort_key))
    });
    let mut rubriques = Vec::new();
    let mut bylines = Vec::new();
    let mut tagged = Vec::new();
    for l in linked {
        let row = (l.article_id, l.id, l.slug, l.name);
        match l.kind {
            0 => rubriques.push(Ref {
                id: row.1,
                slug: row.2,
                name: row.3,
            }),
            1 => bylines.push(row),
            _ => tagged.push(row),
        }
    }
    let mut rel = Relations {
        rubriques: rubriques.into_iter().map(|r| (r.id, r)).collect(),
        ..Relations::default()
    };
    for (article, id, slug, name) in bylines {
        rel.authors
            .entry(article)
            .or_default()
            .push(Ref { id, slug, name });
    }
    for (article, id, slug, name) in tagged {
        rel.tags
            .entry(article)
            .or_default()
            .push(Ref { id, slug, name });
    }
    Ok(rel)
}

/// One article by key with its links, in one statement: what a public read of one article needs
/// (on PostgreSQL each statement is a round trip and a turn of the server's executor, and one
/// article's read was two). `html_only` leaves the plain text unread. The links come as three JSON
/// arrays (rubrique, byline in order, tags by name), decoded here into [`Relations`].
pub fn article_with_links(
    conn: &mut AnyConnection,
    key: &crate::domain::Key,
    html_only: bool,
) -> QueryResult<Option<(super::models::ArticleRow, Relations)>> {
    use crate::domain::Key;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        article: super::models::ArticleRow,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        link_rubrique: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        link_authors: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        link_tags: Option<String>,
    }
    let by_id = matches!(key, Key::Id(_));
    let sql = |pg: bool| {
        let text = if html_only {
            "'' AS body_text"
        } else {
            "a.body_text"
        };
        let (rubrique, authors, tags) = if pg {
            (
                "json_build_array(r.id, r.slug, r.name)::text",
                "json_agg(json_build_array(p.id, p.slug, p.name) ORDER BY l.position)::text",
                // Byte order, as Rust sorts the links of a page.
                "json_agg(json_build_array(t.id, t.slug, t.name) ORDER BY t.name_key COLLATE \"C\", t.id)::text",
            )
        } else {
            (
                "json_array(r.id, r.slug, r.name)",
                "json_group_array(json_array(p.id, p.slug, p.name) ORDER BY l.position)",
                "json_group_array(json_array(t.id, t.slug, t.name) ORDER BY t.name_key, t.id)",
            )
        };
        let param = if pg { "$1" } else { "?" };
        let filter = if by_id { "a.id" } else { "a.slug" };
        format!(
            "SELECT a.id, a.slug, a.title, a.title_key, a.kicker, a.lede, a.excerpt, a.excerpt_given, \
             '' AS body, a.body_format, a.body_html, {text}, a.status, a.published_at, a.sort_at, \
             a.rubrique_id, a.featured_image, a.source, a.location, a.language, a.word_count, \
             a.reading_time_minutes, a.related_enabled, a.version, a.created_at, a.updated_at, \
             (SELECT {rubrique} FROM rubriques r WHERE r.id = a.rubrique_id) AS link_rubrique, \
             (SELECT {authors} FROM article_authors l JOIN authors p ON p.id = l.author_id \
              WHERE l.article_id = a.id) AS link_authors, \
             (SELECT {tags} FROM article_tags l JOIN tags t ON t.id = l.tag_id \
              WHERE l.article_id = a.id) AS link_tags \
             FROM articles a WHERE {filter} = {param}"
        )
    };
    let rows: Vec<Row> = match key {
        Key::Id(id) => dyn_query!(prepared: conn, sql, [*id], BigInt, load)?,
        Key::Slug(slug) => dyn_query!(prepared: conn, sql, [slug.as_str()], Text, load)?,
    };
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    type Named = (i64, String, String);
    let parse = |raw: Option<String>| -> QueryResult<Vec<Named>> {
        match raw.as_deref() {
            None | Some("null") => Ok(Vec::new()),
            Some(json) => serde_json::from_str::<Vec<Named>>(json)
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e))),
        }
    };
    let reference = |(id, slug, name): Named| Ref { id, slug, name };
    let id = row.article.id;
    let mut rel = Relations::default();
    if let Some(json) = row.link_rubrique {
        let (rid, slug, name): Named = serde_json::from_str(&json)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        rel.rubriques.insert(
            rid,
            Ref {
                id: rid,
                slug,
                name,
            },
        );
    }
    let authors: Vec<Ref> = parse(row.link_authors)?
        .into_iter()
        .map(reference)
        .collect();
    if !authors.is_empty() {
        rel.authors.insert(id, authors);
    }
    let tags: Vec<Ref> = parse(row.link_tags)?.into_iter().map(reference).collect();
    if !tags.is_empty() {
        rel.tags.insert(id, tags);
    }
    Ok(Some((row.article, rel)))
}

/// The articles filed in a rubrique.
pub fn in_rubrique(conn: &mut AnyConnection, rubrique: i64) -> QueryResult<Vec<i64>> {
    use super::schema::articles;
    articles::table
        .filter(articles::rubrique_id.eq(rubrique))
        .select(articles::id)
        .load(conn)
}

/// The articles an author signs.
pub fn signed_by(conn: &mut AnyConnection, author: i64) -> QueryResult<Vec<i64>> {
    article_authors::table
        .filter(article_authors::author_id.eq(author))
        .select(article_authors::article_id)
        .load(conn)
}
