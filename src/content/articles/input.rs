//! The article input (also the API's request body) and its validation: an input merged over the
//! current values, every derived field computed.

use chrono::NaiveDateTime;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Staff;
use crate::content::input::{Checks, KeyRef, Patch};
use crate::db::articles::ArticleWrite;
use crate::db::models::ArticleRow;
use crate::domain::{text, to_seconds, Status};
use crate::error::ApiError;

use super::*;

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

/// A BCP 47 language tag, such as `fr` or `fr-BF`.
pub fn language_ok(l: &str) -> bool {
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
pub(super) fn merged(
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
