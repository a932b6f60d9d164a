//! An article as schema.org `NewsArticle` structured data, ready for a front end to embed unchanged
//! in `<script type="application/ld+json">`: the properties Google's Article rich results read
//! (headline, image, datePublished, dateModified, author with name and url), and the publisher, the
//! section, the keywords, the language and the page it is the main entity of.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::Article;

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

/// The structured data of `a` on the site at `site_url` named `site_name`.
pub fn news_article(a: &Article, site_url: &str, site_name: &str) -> NewsArticleLd {
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
