//! The article commands: creating, updating and deleting articles, with validation, the role rules,
//! the derived fields, revisions and audit. Everything here runs inside one write transaction.

use chrono::NaiveDateTime;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{unique_slug, Checks, KeyRef, Patch};
use crate::auth::Staff;
use crate::db::articles::{self as q, ArticleWrite};
use crate::db::models::ArticleRow;
use crate::db::{audit, authors, links, rubriques, tags, AnyConnection};
use crate::domain::{text, to_seconds, Key, Role, Status};
use crate::error::ApiError;

// The input of the article commands (also the API's request bodies).

/// A featured image.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeaturedImage {
    #[schema(example = "https://images.example.org/2024/01/ouagadougou-aeroport.jpg")]
    pub url: String,
    #[serde(default)]
    #[schema(example = "Des soldats descendent d’un avion sur le tarmac")]
    pub alt: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    #[schema(example = "AIB")]
    pub credit: Option<String>,
}

/// Related-content settings (editors only in input).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedSettings {
    /// Articles (ids or slugs) shown first among this article's related articles.
    #[serde(default)]
    #[schema(value_type = Vec<KeyRef>)]
    pub pinned: Vec<KeyRef>,
    /// `false` switches related content off for this article: its related list is empty. Unchanged
    /// when absent (on by default for a new article).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// How the body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    Markdown,
    Html,
}

/// Article input for `POST` (where `title`, `body` and `rubrique` are required) and `PATCH` (JSON merge
/// patch: absent fields are unchanged, `null` clears a nullable field). Unknown fields are a 422.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// 1-300 characters.
    #[serde(default)]
    #[schema(value_type = String, required = false, example = "Coopération militaire : des soldats russes atterrissent à Ouagadougou")]
    pub title: Patch<String>,
    /// Made from the title when absent (accents folded, made unique); a given slug that is taken is a 409.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub slug: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub kicker: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub lede: Patch<String>,
    /// At most 160 characters; made from the text when absent or null.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub excerpt: Patch<String>,
    /// Markdown or HTML (see `body_format`); sanitised with an allow-list.
    #[serde(default)]
    #[schema(value_type = String, required = false, example = "Un contingent est arrivé **jeudi** à Ouagadougou.")]
    pub body: Patch<String>,
    /// `markdown` (default) or `html`.
    #[serde(default)]
    #[schema(value_type = BodyFormat, required = false)]
    pub body_format: Patch<BodyFormat>,
    /// Defaults to `draft`. `published` with a future `published_at` is `scheduled`.
    #[serde(default)]
    #[schema(value_type = Status, required = false)]
    pub status: Patch<Status>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Patch<DateTime<Utc>>,
    /// A rubrique id or slug.
    #[serde(default)]
    #[schema(value_type = KeyRef, required = false)]
    pub rubrique: Patch<KeyRef>,
    /// Author ids or slugs, in byline order (at most 20). Defaults to the caller's linked author.
    #[serde(default)]
    #[schema(value_type = Vec<KeyRef>, required = false)]
    pub authors: Patch<Vec<KeyRef>>,
    /// Tag names or slugs (at most 50); an unknown name creates the tag.
    #[serde(default)]
    #[schema(value_type = Vec<String>, required = false)]
    pub tags: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<FeaturedImage>)]
    pub featured_image: Patch<FeaturedImage>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub source: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub location: Patch<String>,
    /// BCP 47, default `fr`.
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub language: Patch<String>,
    /// Editors and admins only.
    #[serde(default)]
    #[schema(value_type = RelatedSettings, required = false)]
    pub related: Patch<RelatedSettings>,
}

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

/// Whether the caller signs this article (its linked author is in the byline).
pub fn owns(conn: &mut AnyConnection, staff: &Staff, article: i64) -> Result<bool, ApiError> {
    let Some(me) = staff.author_id else {
        return Ok(false);
    };
    Ok(links::author_ids(conn, article)?.contains(&me))
}

/// Whether a caller may see an article: the public sees what is published and due; editors see all;
/// contributors and authors also see their own.
pub fn can_see(
    conn: &mut AnyConnection,
    staff: Option<&Staff>,
    a: &ArticleRow,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    if Status::effective(&a.status, a.published_at, now) == Status::Published {
        return Ok(true);
    }
    match staff {
        None => Ok(false),
        Some(s) if s.at_least(Role::Editor) => Ok(true),
        Some(s) => owns(conn, s, a.id),
    }
}

/// Loads an article the caller may see, or 404 (drafts do not leak their existence).
pub fn load_visible(
    conn: &mut AnyConnection,
    staff: Option<&Staff>,
    key: &Key,
    now: NaiveDateTime,
) -> Result<ArticleRow, ApiError> {
    match q::find(conn, key)? {
        Some(a) if can_see(conn, staff, &a, now)? => Ok(a),
        _ => Err(ApiError::not_found("article")),
    }
}

/// The statuses a role may set.
fn check_status_allowed(staff: &Staff, status: Status) -> Result<(), ApiError> {
    if staff.role == Role::Contributor && !matches!(status, Status::Draft | Status::Pending) {
        return Err(ApiError::forbidden(
            "a contributor may only save drafts and submit them for review (pending)",
        ));
    }
    Ok(())
}

/// Whether the caller may change (or delete) an existing article it can see.
fn check_may_edit(
    conn: &mut AnyConnection,
    staff: &Staff,
    a: &ArticleRow,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if staff.at_least(Role::Editor) {
        return Ok(());
    }
    if !owns(conn, staff, a.id)? {
        return Err(ApiError::forbidden(
            "you may only change articles that carry your byline",
        ));
    }
    let status = Status::effective(&a.status, a.published_at, now);
    if staff.role == Role::Contributor && !matches!(status, Status::Draft | Status::Pending) {
        return Err(ApiError::forbidden(
            "a contributor may not change an article once it is published",
        ));
    }
    Ok(())
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

fn language_ok(l: &str) -> bool {
    let mut parts = l.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn strip_nul(s: &str) -> String {
    s.replace('\0', "")
}

/// Applies an input over the current values (none on creation) and derives everything else.
fn merged(
    checks: &mut Checks,
    input: ArticleInput,
    cur: Option<&ArticleRow>,
    staff: &Staff,
    now: NaiveDateTime,
) -> Result<(ArticleWrite, Option<String>), ApiError> {
    let mut errs = std::mem::take(&mut checks.0);
    let title = input.title.required("title", &mut errs);
    let body = input.body.required("body", &mut errs);
    let body_format = input.body_format.required("body_format", &mut errs);
    let status_in = input.status.required("status", &mut errs);
    let language = input.language.required("language", &mut errs);
    checks.0 = errs;

    let title = match (title, cur) {
        (Some(t), _) => checks.text("title", &t, 1, 300),
        (None, Some(c)) => c.title.clone(),
        (None, None) => {
            checks.fail("title", "required", "title is required");
            String::new()
        }
    };
    let slug_given = match input.slug {
        Patch::Value(s) => {
            checks.slug("slug", &s);
            Some(s)
        }
        Patch::Null | Patch::Absent => None,
    };
    let body_format = body_format.unwrap_or(match cur.map(|c| c.body_format.as_str()) {
        Some("html") => BodyFormat::Html,
        _ => BodyFormat::Markdown,
    });
    let body_changed =
        body.is_some() || cur.is_some_and(|c| c.body_format != fmt_name(body_format));
    // NUL means nothing in Markdown or HTML (HTML parsers drop it too), and PostgreSQL cannot store it
    // in text: it is removed, the same on both databases.
    let body = body.map(|b| strip_nul(&b));
    let body = match (body, cur) {
        (Some(b), _) => {
            if b.trim().is_empty() {
                checks.fail("body", "required", "body must not be empty");
            } else if b.chars().count() > 200_000 {
                checks.fail("body", "too_long", "body is at most 200000 characters");
            }
            b
        }
        (None, Some(c)) => c.body.clone(),
        (None, None) => {
            checks.fail("body", "required", "body is required");
            String::new()
        }
    };
    let kicker = input.kicker.apply(cur.and_then(|c| c.kicker.clone()));
    let kicker = checks.opt_text("kicker", kicker, 80);
    let lede = input.lede.apply(cur.and_then(|c| c.lede.clone()));
    let lede = checks.opt_text("lede", lede, 1000);
    let source = input.source.apply(cur.and_then(|c| c.source.clone()));
    let source = checks.opt_text("source", source, 100);
    let location = input.location.apply(cur.and_then(|c| c.location.clone()));
    let location = checks.opt_text("location", location, 100);
    let language = language.unwrap_or_else(|| {
        cur.map(|c| c.language.clone())
            .unwrap_or_else(|| "fr".into())
    });
    if !language_ok(&language) {
        checks.fail("language", "invalid", "a BCP 47 tag such as fr or fr-BF");
    }
    let cur_image: Option<FeaturedImage> = cur
        .and_then(|c| c.featured_image.as_deref())
        .and_then(|j| serde_json::from_str(j).ok());
    let image = input.featured_image.apply(cur_image).map(|mut img| {
        for v in [&mut img.alt, &mut img.caption, &mut img.credit] {
            *v = v.as_deref().map(strip_nul);
        }
        img
    });
    if let Some(img) = &image {
        checks.url("featured_image.url", &img.url);
        for (f, v) in [
            ("alt", &img.alt),
            ("caption", &img.caption),
            ("credit", &img.credit),
        ] {
            if v.as_ref().is_some_and(|v| v.chars().count() > 500) {
                checks.fail(
                    &format!("featured_image.{f}"),
                    "too_long",
                    "at most 500 characters",
                );
            }
        }
    }

    // Status and publication instant.
    let cur_status = cur.map(|c| Status::effective(&c.status, c.published_at, now));
    // An unchanged "scheduled" is a publication whose date may move (into the past, publishing it now).
    let kept = cur_status.map(|s| {
        if s == Status::Scheduled {
            Status::Published
        } else {
            s
        }
    });
    let status = status_in.or(kept).unwrap_or(Status::Draft);
    if status_in.is_some() && status_in != cur_status && status_in != kept {
        check_status_allowed(staff, status)?;
    }
    let published_at = input
        .published_at
        .apply(cur.and_then(|c| c.published_at).map(crate::domain::utc))
        .map(|t| to_seconds(t.naive_utc()));
    let published_at = match status {
        Status::Published => Some(published_at.unwrap_or(now)),
        // `scheduled` is `published` at `published_at`: a date that has already come (or none, now)
        // publishes at once, as `published` would.
        Status::Scheduled => Some(published_at.unwrap_or(now)),
        _ => published_at,
    };
    // A contributor cannot publish by setting a past date on a draft either: only the status publishes.

    // Rendering and derived text.
    let (body_html, body_text) = match cur {
        Some(c) if !body_changed => (c.body_html.clone(), c.body_text.clone()),
        _ => {
            let html = text::render_body(&body, to_text_format(body_format));
            let plain = text::html_to_text(&html);
            (html, plain)
        }
    };
    let (excerpt, excerpt_given) = match input.excerpt {
        Patch::Value(e) => {
            let e = checks.text("excerpt", &e, 1, 160);
            (e, true)
        }
        Patch::Null => (text::excerpt(&body_text, 160), false),
        Patch::Absent => match cur {
            Some(c) if c.excerpt_given => (c.excerpt.clone(), true),
            _ => (text::excerpt(&body_text, 160), false),
        },
    };
    let words = text::word_count(&body_text);
    let write = ArticleWrite {
        slug: cur.map(|c| c.slug.clone()).unwrap_or_default(),
        title,
        kicker,
        lede,
        excerpt,
        excerpt_given,
        body,
        body_format: fmt_name(body_format).into(),
        body_html,
        body_text,
        status: match status {
            Status::Scheduled => Status::Published,
            other => other,
        },
        published_at,
        rubrique_id: 0,
        featured_image: image.map(|i| serde_json::to_string(&i).unwrap_or_default()),
        source,
        location,
        language,
        word_count: words,
        reading_time_minutes: text::reading_time_minutes(words),
        related_enabled: cur.map(|c| c.related_enabled).unwrap_or(true),
    };
    Ok((write, slug_given))
}

fn fmt_name(f: BodyFormat) -> &'static str {
    match f {
        BodyFormat::Markdown => "markdown",
        BodyFormat::Html => "html",
    }
}

fn to_text_format(f: BodyFormat) -> text::BodyFormat {
    match f {
        BodyFormat::Markdown => text::BodyFormat::Markdown,
        BodyFormat::Html => text::BodyFormat::Html,
    }
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
    q::delete(conn, cur.id)?;
    Ok(())
}
