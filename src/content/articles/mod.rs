//! The article commands: creating, updating and deleting articles, with validation ([`input`]),
//! the role rules ([`access`]), the derived fields, revisions and audit. Everything here runs inside
//! one write transaction.

mod access;
mod changes;
mod input;

pub use access::*;
pub use input::*;

use chrono::NaiveDateTime;

use super::input::{unique_slug, Checks, Patch};
use crate::auth::Staff;
use crate::db::articles::{self as q};
use crate::db::models::ArticleRow;
use crate::db::{audit, authors, links, rubriques, tags, AnyConnection};
use crate::domain::{text, Key, Role, Status};
use crate::error::ApiError;

/// The stored state of an article, for its revisions.
fn snapshot(conn: &mut AnyConnection, a: &ArticleRow) -> Result<serde_json::Value, ApiError> {
    Ok(serde_json::json!({
        "version": a.version, "slug": a.slug, "title": a.title, "kicker": a.kicker, "lede": a.lede,
        "excerpt": a.excerpt, "body": a.body, "body_format": a.body_format, "status": a.status,
        "published_at": a.published_at.map(crate::domain::utc), "rubrique": a.rubrique_id,
        "authors": links::author_ids(conn, a.id)?, "tags": links::tag_ids(conn, a.id)?,
        "featured_image": a.featured_image.as_deref().and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()),
        "source": a.source, "location": a.location, "language": a.language,
        "related_enabled": a.related_enabled, "updated_at": crate::domain::utc(a.updated_at),
    }))
}

/// Resolved values shared by create and update.
struct Resolved {
    rubrique_id: i64,
    author_ids: Option<Vec<i64>>,
    tag_names: Option<Vec<String>>,
    pins: Option<(Vec<i64>, Option<bool>)>,
}

fn resolve_refs(
    conn: &mut AnyConnection,
    staff: &Staff,
    input: &mut ArticleInput,
    current_rubrique: Option<i64>,
    self_id: Option<i64>,
    checks: &mut Checks,
) -> Result<Resolved, ApiError> {
    let rubrique_id = match std::mem::take(&mut input.rubrique).required("rubrique", &mut checks.0)
    {
        Some(k) => match rubriques::find(conn, &k.key())? {
            Some(r) => r.id,
            None => {
                checks.fail("rubrique", "unknown", "no rubrique has this id or slug");
                0
            }
        },
        None => match current_rubrique {
            Some(id) => id,
            None => {
                checks.fail("rubrique", "required", "rubrique is required");
                0
            }
        },
    };
    let author_ids = match std::mem::take(&mut input.authors).required("authors", &mut checks.0) {
        Some(list) if list.len() > 20 => {
            checks.fail("authors", "too_many", "at most 20 authors");
            None
        }
        Some(list) => {
            let keys: Vec<Key> = list.iter().map(|k| k.key()).collect();
            match authors::resolve(conn, &keys)? {
                Ok(mut ids) => {
                    let mut seen = std::collections::HashSet::new();
                    ids.retain(|id| seen.insert(*id));
                    Some(ids)
                }
                Err(i) => {
                    checks.fail(
                        &format!("authors[{i}]"),
                        "unknown",
                        "no author has this id or slug",
                    );
                    None
                }
            }
        }
        None => None,
    };
    if let Some(ids) = &author_ids {
        if !staff.at_least(Role::Editor) && ids.as_slice() != [staff.author_id.unwrap_or(-1)] {
            checks.fail(
                "authors",
                "not_allowed",
                "contributors and authors sign only as themselves",
            );
        }
    }
    let tag_names = match std::mem::take(&mut input.tags).required("tags", &mut checks.0) {
        Some(list) if list.len() > 50 => {
            checks.fail("tags", "too_many", "at most 50 tags");
            None
        }
        Some(list) => {
            for (i, t) in list.iter().enumerate() {
                // As sent: the OpenAPI `maxLength` counts the same characters.
                if t.chars().count() > 60
                    || text::slugify(t).is_empty()
                    || t.chars().any(char::is_control)
                {
                    checks.fail(
                        &format!("tags[{i}]"),
                        "invalid",
                        "a tag is 1-60 characters with a letter or digit",
                    );
                }
            }
            Some(list)
        }
        None => None,
    };
    let pins = match std::mem::take(&mut input.related).required("related", &mut checks.0) {
        Some(_) if !staff.at_least(Role::Editor) => {
            return Err(ApiError::forbidden(
                "only editors and admins set related articles",
            ))
        }
        Some(r) if r.pinned.len() > 20 => {
            checks.fail("related.pinned", "too_many", "at most 20 pinned articles");
            None
        }
        Some(r) => {
            let mut ids = Vec::new();
            for (i, k) in r.pinned.iter().enumerate() {
                match q::find(conn, &k.key())? {
                    Some(a) if Some(a.id) != self_id => ids.push(a.id),
                    Some(_) => checks.fail(
                        &format!("related.pinned[{i}]"),
                        "self",
                        "an article cannot be related to itself",
                    ),
                    None => checks.fail(
                        &format!("related.pinned[{i}]"),
                        "unknown",
                        "no article has this id or slug",
                    ),
                }
            }
            let mut seen = std::collections::HashSet::new();
            ids.retain(|id| seen.insert(*id));
            Some((ids, r.enabled))
        }
        None => None,
    };
    Ok(Resolved {
        rubrique_id,
        author_ids,
        tag_names,
        pins,
    })
}

/// Writes the links of an article that the input set.
fn write_links(
    conn: &mut AnyConnection,
    id: i64,
    r: Resolved,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if let Some(ids) = r.author_ids {
        links::set_authors(conn, id, &ids)?;
    }
    if let Some(names) = r.tag_names {
        let ids = tags::resolve_or_create(conn, &names, now)?;
        links::set_tags(conn, id, &ids)?;
    }
    if let Some((pins, _)) = r.pins {
        links::set_pins(conn, id, &pins)?;
    }
    Ok(())
}

/// What creating this article would store (rendered, checked, its excerpt and counts made) without
/// the database: the bulk load's way in, as the newsroom (every status allowed). The rubrique, the
/// slug and the links are the caller's to set.
pub fn prepare(input: ArticleInput, now: NaiveDateTime) -> Result<q::ArticleWrite, ApiError> {
    let newsroom = Staff {
        user_id: 0,
        role: Role::Admin,
        author_id: None,
    };
    let mut checks = Checks::default();
    let (w, _) = merged(&mut checks, input, None, &newsroom, now)?;
    checks.finish()?;
    Ok(w)
}

/// Creates an article; returns its id.
pub fn create(
    conn: &mut AnyConnection,
    staff: &Staff,
    mut input: ArticleInput,
) -> Result<i64, ApiError> {
    let now = crate::db::now();
    if !staff.at_least(Role::Editor) && staff.author_id.is_none() {
        return Err(ApiError::forbidden(
            "your account is not linked to an author, so it cannot sign an article",
        ));
    }
    let mut checks = Checks::default();
    if input.status.is_absent() {
        input.status = Patch::Value(Status::Draft);
    }
    let mut r = resolve_refs(conn, staff, &mut input, None, None, &mut checks)?;
    if r.author_ids.is_none() {
        r.author_ids = Some(staff.author_id.into_iter().collect());
    }
    let (mut w, slug_given) = merged(&mut checks, input, None, staff, now)?;
    checks.finish()?;
    w.rubrique_id = r.rubrique_id;
    if let Some((_, Some(enabled))) = &r.pins {
        w.related_enabled = *enabled;
    }
    w.slug = match slug_given {
        Some(s) if q::slug_taken(conn, &s, None)? => {
            return Err(ApiError::conflict(format!("the slug `{s}` is taken")))
        }
        Some(s) => s,
        None => unique_slug(&text::slugify(&w.title), "article", |s| {
            q::slug_taken(conn, s, None)
        })?,
    };
    let id = q::insert(conn, &w, now)?;
    changes::record(
        conn,
        id,
        &w.slug,
        None,
        Some((w.status.stored(), w.published_at)),
        now,
    )?;
    if w.status == Status::Published {
        audit::record(
            conn,
            Some(staff.user_id),
            "article.publish",
            &format!("article:{id}"),
            serde_json::json!({"slug": w.slug}),
        )?;
    }
    write_links(conn, id, r, now)?;
    crate::db::search::index(
        conn,
        id,
        &w.title,
        w.lede.as_deref().unwrap_or(""),
        &w.body_text,
        w.status == Status::Published,
    )?;
    Ok(id)
}

/// Applies a merge patch to an article the caller may see. The order of checks: visible (404), may
/// edit (403), the patch's values (422), then `if_match` on the version (412), then conflicts (409).
pub fn update(
    conn: &mut AnyConnection,
    staff: &Staff,
    key: &Key,
    mut input: ArticleInput,
    if_match: impl FnOnce(&ArticleRow) -> Result<(), ApiError>,
) -> Result<i64, ApiError> {
    let now = crate::db::now();
    let cur = load_visible(conn, Some(staff), key, now)?;
    check_may_edit(conn, staff, &cur, now)?;
    // A co-signed article's byline is the editors' to change: nobody strips the others from it.
    if !staff.at_least(Role::Editor) && !input.authors.is_absent() {
        let byline = links::author_ids(conn, cur.id)?;
        if byline.as_slice() != [staff.author_id.unwrap_or(-1)] {
            return Err(ApiError::forbidden(
                "only an editor changes a byline shared with others",
            ));
        }
    }
    let mut checks = Checks::default();
    let r = resolve_refs(
        conn,
        staff,
        &mut input,
        Some(cur.rubrique_id),
        Some(cur.id),
        &mut checks,
    )?;
    let (mut w, slug_given) = merged(&mut checks, input, Some(&cur), staff, now)?;
    checks.finish()?;
    if_match(&cur)?;
    w.rubrique_id = r.rubrique_id;
    if let Some((_, Some(enabled))) = &r.pins {
        w.related_enabled = *enabled;
    }
    if let Some(s) = slug_given {
        if s != cur.slug && q::slug_taken(conn, &s, Some(cur.id))? {
            return Err(ApiError::conflict(format!("the slug `{s}` is taken")));
        }
        w.slug = s;
    }
    let previous = snapshot(conn, &cur)?;
    audit::keep_revision(conn, cur.id, cur.version, previous, Some(staff.user_id))?;
    if w.status == Status::Published && Status::from_stored(&cur.status) != Status::Published {
        audit::record(
            conn,
            Some(staff.user_id),
            "article.publish",
            &format!("article:{}", cur.id),
            serde_json::json!({"slug": w.slug}),
        )?;
    }
    q::update(conn, cur.id, cur.created_at, &w, now)?;
    changes::record(
        conn,
        cur.id,
        &w.slug,
        Some((&cur.status, cur.published_at)),
        Some((w.status.stored(), w.published_at)),
        now,
    )?;
    write_links(conn, cur.id, r, now)?;
    crate::db::search::index(
        conn,
        cur.id,
        &w.title,
        w.lede.as_deref().unwrap_or(""),
        &w.body_text,
        w.status == Status::Published,
    )?;
    Ok(cur.id)
}

/// Deletes an article the caller may see and change.
pub fn delete(
    conn: &mut AnyConnection,
    staff: &Staff,
    key: &Key,
    if_match: impl FnOnce(&ArticleRow) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let now = crate::db::now();
    let cur = load_visible(conn, Some(staff), key, now)?;
    check_may_edit(conn, staff, &cur, now)?;
    if_match(&cur)?;
    crate::db::search::unindex(conn, cur.id)?;
    audit::record(
        conn,
        Some(staff.user_id),
        "article.delete",
        &format!("article:{}", cur.id),
        serde_json::json!({"slug": cur.slug, "title": cur.title, "status": cur.status, "version": cur.version}),
    )?;
    changes::record(
        conn,
        cur.id,
        &cur.slug,
        Some((&cur.status, cur.published_at)),
        None,
        now,
    )?;
    q::delete(conn, cur.id)?;
    Ok(())
}
