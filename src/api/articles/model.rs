//! Article input and output shapes.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::{KeyRef, Patch};
use crate::db::links::Relations;
use crate::db::models::{ArticleRow, Ref};
use crate::domain::{utc, Status};

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

/// A news article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Article {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "cooperation-militaire-des-soldats-russes-atterrissent-a-ouagadougou")]
    pub slug: String,
    #[schema(example = "Coopération militaire : des soldats russes atterrissent à Ouagadougou")]
    pub title: String,
    /// A label shown before the title.
    #[schema(example = "Mémoire")]
    pub kicker: Option<String>,
    /// The chapô.
    pub lede: Option<String>,
    /// At most 160 characters, cut at a word with a final `…` when the text is longer.
    pub excerpt: String,
    /// Sanitised HTML; in collections only when `fields` asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// Plain text; on `?formats=html,plaintext` or when `fields` asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    pub status: Status,
    #[schema(example = "2024-01-08T11:42:00Z")]
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rubrique: Ref,
    /// The byline, in order.
    pub authors: Vec<Ref>,
    pub tags: Vec<Ref>,
    pub featured_image: Option<FeaturedImage>,
    #[schema(example = "AIB")]
    pub source: Option<String>,
    /// The dateline.
    #[schema(example = "Ouagadougou")]
    pub location: Option<String>,
    #[schema(example = "fr")]
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    /// Canonical URL on the site (`KIOSQUE_SITE_URL`).
    pub url: String,
    /// Changes with every write; the ETag is derived from it.
    pub version: i64,
    /// Staff only, on a single article: pinned related articles and whether related content is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<RelatedOut>,
    /// Related queries with `strategy=similar` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Vec<String>>,
    /// With `q` only: the relevance and an extract with the hits in `<mark>` (the rest HTML-escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchHit>,
}

/// How an article matched a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// Higher is more relevant (comparable within one result list only).
    #[schema(example = 7.31)]
    pub score: f64,
    #[schema(example = "…un contingent de <mark>soldats</mark> russes a atterri…")]
    pub snippet: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedOut {
    pub pinned: Vec<i64>,
    pub enabled: bool,
}

/// Field names a client may list in `fields`.
pub const FIELDS: &[&str] = &[
    "id",
    "slug",
    "title",
    "kicker",
    "lede",
    "excerpt",
    "body_html",
    "body_text",
    "status",
    "published_at",
    "created_at",
    "updated_at",
    "rubrique",
    "authors",
    "tags",
    "featured_image",
    "source",
    "location",
    "language",
    "word_count",
    "reading_time_minutes",
    "url",
    "version",
    "search",
];

impl Article {
    pub fn from_row(a: ArticleRow, rel: &Relations, site_url: &str, now: NaiveDateTime) -> Article {
        let rubrique = rel.rubriques.get(&a.rubrique_id).cloned().unwrap_or(Ref {
            id: a.rubrique_id,
            slug: String::new(),
            name: String::new(),
        });
        Article {
            url: format!("{site_url}/articles/{}", a.slug),
            status: Status::effective(&a.status, a.published_at, now),
            authors: rel.authors.get(&a.id).cloned().unwrap_or_default(),
            tags: rel.tags.get(&a.id).cloned().unwrap_or_default(),
            featured_image: a
                .featured_image
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok()),
            published_at: a.published_at.map(utc),
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
            id: a.id,
            slug: a.slug,
            title: a.title,
            kicker: a.kicker,
            lede: a.lede,
            excerpt: a.excerpt,
            body_html: Some(a.body_html),
            body_text: Some(a.body_text),
            rubrique,
            source: a.source,
            location: a.location,
            language: a.language,
            word_count: a.word_count,
            reading_time_minutes: a.reading_time_minutes,
            version: a.version,
            related: None,
            score: None,
            reason: None,
            search: None,
        }
    }
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
