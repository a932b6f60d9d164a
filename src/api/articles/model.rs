//! Article input and output shapes.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::json_ld::{LdPage, LdThing, NewsArticleLd};
pub use crate::content::articles::{ArticleInput, BodyFormat, FeaturedImage, RelatedSettings};
use crate::db::links::Relations;
use crate::db::models::{ArticleRow, Ref};
use crate::domain::{utc, Status};

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
    /// schema.org `NewsArticle` structured data, to embed unchanged in a
    /// `<script type="application/ld+json">`: on a single article, and in collections when `fields`
    /// asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_ld: Option<NewsArticleLd>,
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
    "json_ld",
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
            featured_image: a.featured_image.as_deref().and_then(|j| {
                match serde_json::from_str(j) {
                    Ok(image) => Some(image),
                    Err(e) => {
                        // Shown without its image rather than not at all; the fault is logged.
                        tracing::error!(
                            article = a.id,
                            "the stored featured image is not JSON: {e}"
                        );
                        None
                    }
                }
            }),
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
            json_ld: None,
            related: None,
            score: None,
            reason: None,
            search: None,
        }
    }
}

impl Article {
    /// Its schema.org structured data on the site at `site_url` named `site_name`.
    pub fn news_article(&self, site_url: &str, site_name: &str) -> NewsArticleLd {
        let a = self;
        let publisher = LdThing {
            kind: "NewsMediaOrganization",
            name: site_name.to_owned(),
            url: site_url.to_owned(),
        };
        let mut author: Vec<LdThing> = a
            .authors
            .iter()
            .map(|p| LdThing {
                kind: "Person",
                name: p.name.clone(),
                url: format!("{site_url}/authors/{}", p.slug),
            })
            .collect();
        if author.is_empty() {
            author.push(publisher.clone());
        }
        NewsArticleLd {
            context: "https://schema.org",
            kind: "NewsArticle",
            headline: a.title.clone(),
            description: a.excerpt.clone(),
            image: a.featured_image.iter().map(|i| i.url.clone()).collect(),
            date_published: a.published_at,
            date_modified: a.updated_at,
            author,
            publisher,
            article_section: a.rubrique.name.clone(),
            keywords: a.tags.iter().map(|t| t.name.clone()).collect(),
            in_language: a.language.clone(),
            main_entity_of_page: LdPage {
                kind: "WebPage",
                id: a.url.clone(),
            },
        }
    }
}
