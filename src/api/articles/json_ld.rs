//! The shapes of an article's schema.org `NewsArticle` structured data (JSON-LD), ready for a front
//! end to embed unchanged in `<script type="application/ld+json">`: the properties Google's Article
//! rich results read (headline, image, datePublished, dateModified, author with name and url), and the
//! publisher, section, keywords, language and page. `Article::news_article` fills them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// schema.org `NewsArticle` (JSON-LD).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewsArticleLd {
    /// Always `https://schema.org`.
    #[serde(rename = "@context")]
    #[schema(example = "https://schema.org")]
    pub context: &'static str,
    /// Always `NewsArticle`.
    #[serde(rename = "@type")]
    #[schema(example = "NewsArticle")]
    pub kind: &'static str,
    /// The title.
    pub headline: String,
    /// The excerpt.
    pub description: String,
    /// The featured image's URL, when there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image: Vec<String>,
    /// Absent while the article has no publication date.
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    pub date_published: Option<DateTime<Utc>>,
    #[serde(rename = "dateModified")]
    pub date_modified: DateTime<Utc>,
    /// The byline as persons with their page; the publisher when the byline is empty.
    pub author: Vec<LdThing>,
    /// The newspaper (`KIOSQUE_SITE_NAME`, `KIOSQUE_SITE_URL`).
    pub publisher: LdThing,
    /// The rubrique's name.
    #[serde(rename = "articleSection")]
    pub article_section: String,
    /// The tags' names.
    pub keywords: Vec<String>,
    #[serde(rename = "inLanguage")]
    #[schema(example = "fr")]
    pub in_language: String,
    /// The article's page on the site.
    #[serde(rename = "mainEntityOfPage")]
    pub main_entity_of_page: LdPage,
}

/// A schema.org `Person` or `NewsMediaOrganization`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LdThing {
    #[serde(rename = "@type")]
    #[schema(example = "Person")]
    pub kind: &'static str,
    pub name: String,
    pub url: String,
}

/// A schema.org `WebPage`, by its URL.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LdPage {
    #[serde(rename = "@type")]
    #[schema(example = "WebPage")]
    pub kind: &'static str,
    #[serde(rename = "@id")]
    pub id: String,
}
