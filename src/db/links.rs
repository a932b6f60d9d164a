//! The links of an article: its ordered byline, its tags and its pinned related articles.

use std::collections::HashMap;

use diesel::prelude::*;

use super::models::Ref;
use super::schema::{article_authors, article_pins, article_tags, authors, rubriques, tags};
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

/// What a page of articles refers to, loaded in three queries whatever the page size.
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
    // Keys padded to a few list lengths: SQLite prepares each statement once per length and
    // connection (see `Reused`).
    let rubrique_ids = super::padded_keys(rubrique_ids);
    let article_ids = super::padded_keys(article_ids);
    let rubriques: Vec<Ref> = super::Reused(
        rubriques::table
            .filter(rubriques::id.eq_any(&rubrique_ids))
            .select((rubriques::id, rubriques::slug, rubriques::name)),
    )
    .load(conn)?;
    let bylines: Vec<(i64, i64, String, String)> = super::Reused(
        article_authors::table
            .inner_join(authors::table)
            .filter(article_authors::article_id.eq_any(&article_ids))
            .order((
                article_authors::article_id.asc(),
                article_authors::position.asc(),
            ))
            .select((
                article_authors::article_id,
                authors::id,
                authors::slug,
                authors::name,
            )),
    )
    .load(conn)?;
    let tagged: Vec<(i64, i64, String, String)> = super::Reused(
        article_tags::table
            .inner_join(tags::table)
            .filter(article_tags::article_id.eq_any(&article_ids))
            .order((article_tags::article_id.asc(), tags::name_key.asc()))
            .select((article_tags::article_id, tags::id, tags::slug, tags::name)),
    )
    .load(conn)?;
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
