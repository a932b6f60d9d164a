//! Old URLs and what they name now: an article, a rubrique, an author or a tag. A redirect to an
//! article the public may not see (a draft, a scheduled one) is not shown.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{articles, authors, redirects, rubriques, tags};
use super::{AnyConnection, PUBLISHED};

/// What a redirect names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Article(i64),
    Rubrique(i64),
    Author(i64),
    Tag(i64),
}

impl Target {
    fn columns(self) -> [Option<i64>; 4] {
        let mut c = [None; 4];
        let (i, id) = match self {
            Target::Article(id) => (0, id),
            Target::Rubrique(id) => (1, id),
            Target::Author(id) => (2, id),
            Target::Tag(id) => (3, id),
        };
        c[i] = Some(id);
        c
    }
}

/// A redirect as read: its id, old path, target and the target's current slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub id: i64,
    pub path: String,
    pub target: Target,
    pub slug: String,
}

type Raw = (
    i64,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn from_raw(r: Raw) -> Option<Redirect> {
    let (id, path, a, r_, au, t, a_slug, r_slug, au_slug, t_slug) = r;
    let (target, slug) = match (a, r_, au, t) {
        (Some(x), _, _, _) => (Target::Article(x), a_slug),
        (_, Some(x), _, _) => (Target::Rubrique(x), r_slug),
        (_, _, Some(x), _) => (Target::Author(x), au_slug),
        (_, _, _, Some(x)) => (Target::Tag(x), t_slug),
        _ => return None,
    };
    Some(Redirect {
        id,
        path,
        target,
        slug: slug?,
    })
}

/// Points `path` at `target`. A path already known elsewhere is moved when `replace`, kept
/// otherwise. Returns whether anything changed.
pub fn keep(
    conn: &mut AnyConnection,
    path: &str,
    target: Target,
    replace: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let [a, r, au, t] = target.columns();
    let current: Option<[Option<i64>; 4]> = redirects::table
        .filter(redirects::path.eq(path))
        .select((
            redirects::article_id,
            redirects::rubrique_id,
            redirects::author_id,
            redirects::tag_id,
        ))
        .first::<(Option<i64>, Option<i64>, Option<i64>, Option<i64>)>(conn)
        .optional()?
        .map(|(a, r, au, t)| [a, r, au, t]);
    let targets = (
        redirects::article_id.eq(a),
        redirects::rubrique_id.eq(r),
        redirects::author_id.eq(au),
        redirects::tag_id.eq(t),
    );
    match current {
        Some(c) if c == target.columns() || !replace => Ok(false),
        Some(_) => {
            diesel::update(redirects::table.filter(redirects::path.eq(path)))
                .set(targets)
                .execute(conn)?;
            Ok(true)
        }
        None => {
            diesel::insert_into(redirects::table)
                .values((
                    redirects::path.eq(path),
                    targets,
                    redirects::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok(true)
        }
    }
}

/// The public redirects from the id `after` on (or from `offset`), in id order, with one query: an
/// article's redirect shows only while the article is published.
pub fn list(
    conn: &mut AnyConnection,
    path: Option<&str>,
    after: Option<i64>,
    offset: i64,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Redirect>> {
    let mut q = redirects::table
        .left_join(articles::table.on(redirects::article_id.eq(articles::id.nullable())))
        .left_join(rubriques::table.on(redirects::rubrique_id.eq(rubriques::id.nullable())))
        .left_join(authors::table.on(redirects::author_id.eq(authors::id.nullable())))
        .left_join(tags::table.on(redirects::tag_id.eq(tags::id.nullable())))
        .filter(
            redirects::article_id.is_null().or(articles::status
                .eq(PUBLISHED)
                .and(articles::published_at.le(now))
                .assume_not_null()),
        )
        .select((
            redirects::id,
            redirects::path,
            redirects::article_id,
            redirects::rubrique_id,
            redirects::author_id,
            redirects::tag_id,
            articles::slug.nullable(),
            rubriques::slug.nullable(),
            authors::slug.nullable(),
            tags::slug.nullable(),
        ))
        .order(redirects::id)
        .into_boxed();
    if let Some(p) = path {
        q = q.filter(redirects::path.eq(p.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(redirects::id.gt(a));
    }
    let rows: Vec<Raw> = q.offset(offset).limit(limit).load(conn)?;
    Ok(rows.into_iter().filter_map(from_raw).collect())
}

/// How many public redirects there are.
pub fn count(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<i64> {
    redirects::table
        .left_join(articles::table.on(redirects::article_id.eq(articles::id.nullable())))
        .filter(
            redirects::article_id.is_null().or(articles::status
                .eq(PUBLISHED)
                .and(articles::published_at.le(now))
                .assume_not_null()),
        )
        .count()
        .get_result(conn)
}
