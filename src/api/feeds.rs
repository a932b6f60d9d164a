//! Syndication: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the latest published articles (with the
//! `rubrique`, `author` and `tag` filters of the article list), and the sitemaps.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;
use utoipa::IntoParams;

use super::articles::list::resolve_filters;
use super::articles::model::Article;
use super::articles::to_items;
use crate::api::common::{self, cached};
use crate::auth::Caller;
use crate::db::articles::{self as q, Filter, Scope, Sort, Start};
use crate::domain::search::escape;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Items in a feed.
const FEED_ITEMS: i64 = 30;
/// Most URLs in the news sitemap (the protocol's limit; Google News reads at most 1,000).
const NEWS_SITEMAP_URLS: i64 = 50_000;

/// Query of the feeds.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Rubrique slugs, comma-separated (sub-rubriques included).
    pub rubrique: Option<String>,
    /// Author slugs or ids, comma-separated.
    pub author: Option<String>,
    /// Tag slugs, comma-separated.
    pub tag: Option<String>,
}

/// The latest published articles of a feed, newest first, with their bodies.
async fn latest(state: &web::Data<AppState>, query: FeedQuery) -> Result<Vec<Article>, ApiError> {
    let rubriques = common::csv(
        "rubrique",
        query.rubrique.as_deref(),
        common::MAX_FILTER_VALUES,
    )?;
    let authors = common::csv("author", query.author.as_deref(), common::MAX_FILTER_VALUES)?;
    let tags = common::csv("tag", query.tag.as_deref(), common::MAX_FILTER_VALUES)?;
    let site = state.config.site_url.clone();
    state
        .db
        .run_read(true, move |conn| {
            let now = crate::db::now();
            let mut filter = Filter::default();
            resolve_filters(conn, &mut filter, rubriques, authors, tags)?;
            let rows = q::page(
                conn,
                &Scope::Public,
                &filter,
                Sort::PublishedDesc,
                &Start::Offset(0),
                FEED_ITEMS,
                now,
                q::Bodies::With,
            )?;
            to_items(conn, rows, &site, now)
        })
        .await
}

fn rfc3339(a: &Article) -> String {
    a.published_at
        .unwrap_or(a.updated_at)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn respond(
    req: &HttpRequest,
    caller: &Caller,
    content_type: &'static str,
    body: String,
) -> HttpResponse {
    let etag = common::body_etag(&body);
    cached(req, caller.is_staff(), body, etag, None, |res| {
        res.insert_header(("Content-Type", content_type));
    })
}

fn feed_path(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    }
}

/// RSS 2.0 feed of the latest published articles.
#[utoipa::path(
    tag = "feeds", operation_id = "rss_feed", params(FeedQuery),
    responses(
        (status = 200, description = "RSS 2.0", content_type = "application/rss+xml", body = String),
        (status = 400, description = "Unknown parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/rss.xml")]
pub async fn rss_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let items = latest(&state, query.into_inner()).await?;
    let (site, name) = (&state.config.site_url, &state.config.site_name);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n\
         <title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>fr</language>\n\
         <atom:link href=\"{}{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        escape(name),
        escape(site),
        escape(&format!("Les derniers articles de {name}")),
        escape(site),
        escape(&feed_path(&req))
    );
    for a in &items {
        xml.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"true\">{}</guid>\n<pubDate>{}</pubDate>\n\
             <description>{}</description>\n<category>{}</category>\n",
            escape(&a.title),
            escape(&a.url),
            escape(&a.url),
            a.published_at.unwrap_or(a.updated_at).to_rfc2822(),
            escape(&a.excerpt),
            escape(&a.rubrique.name),
        ));
        for author in &a.authors {
            xml.push_str(&format!(
                "<dc:creator xmlns:dc=\"http://purl.org/dc/elements/1.1/\">{}</dc:creator>\n",
                escape(&author.name)
            ));
        }
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel>\n</rss>\n");
    Ok(respond(
        &req,
        &caller,
        "application/rss+xml; charset=utf-8",
        xml,
    ))
}

/// Atom 1.0 feed of the latest published articles.
#[utoipa::path(
    tag = "feeds", operation_id = "atom_feed", params(FeedQuery),
    responses(
        (status = 200, description = "Atom 1.0", content_type = "application/atom+xml", body = String),
        (status = 400, description = "Unknown parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/atom.xml")]
pub async fn atom_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let items = latest(&state, query.into_inner()).await?;
    let (site, name) = (&state.config.site_url, &state.config.site_name);
    let updated = items
        .iter()
        .map(|a| a.updated_at)
        .max()
        .unwrap_or_else(|| crate::domain::utc(crate::db::now()))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n\
         <id>{}/</id>\n<title>{}</title>\n<updated>{updated}</updated>\n<link href=\"{}\"/>\n\
         <link rel=\"self\" href=\"{}{}\"/>\n",
        escape(site),
        escape(name),
        escape(site),
        escape(site),
        escape(&feed_path(&req))
    );
    for a in &items {
        xml.push_str(&format!(
            "<entry>\n<id>{}</id>\n<title>{}</title>\n<link href=\"{}\"/>\n<published>{}</published>\n\
             <updated>{}</updated>\n<summary>{}</summary>\n<category term=\"{}\" label=\"{}\"/>\n",
            escape(&a.url),
            escape(&a.title),
            escape(&a.url),
            rfc3339(a),
            a.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            escape(&a.excerpt),
            escape(&a.rubrique.slug),
            escape(&a.rubrique.name),
        ));
        let names: Vec<&str> = if a.authors.is_empty() {
            vec![name.as_str()]
        } else {
            a.authors.iter().map(|x| x.name.as_str()).collect()
        };
        for n in names {
            xml.push_str(&format!("<author><name>{}</name></author>\n", escape(n)));
        }
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    Ok(respond(
        &req,
        &caller,
        "application/atom+xml; charset=utf-8",
        xml,
    ))
}

/// JSON Feed 1.1 of the latest published articles (with their HTML bodies).
#[utoipa::path(
    tag = "feeds", operation_id = "json_feed", params(FeedQuery),
    responses(
        (status = 200, description = "JSON Feed 1.1", content_type = "application/feed+json", body = Object),
        (status = 400, description = "Unknown parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/feed.json")]
pub async fn json_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let items = latest(&state, query.into_inner()).await?;
    let (site, name) = (&state.config.site_url, &state.config.site_name);
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": name,
        "home_page_url": site,
        "feed_url": format!("{site}{}", feed_path(&req)),
        "language": "fr",
        "items": items.iter().map(|a| serde_json::json!({
            "id": a.url,
            "url": a.url,
            "title": a.title,
            "summary": a.excerpt,
            "content_html": a.body_html,
            "image": a.featured_image.as_ref().map(|i| i.url.clone()),
            "date_published": rfc3339(a),
            "date_modified": a.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "authors": a.authors.iter().map(|x| serde_json::json!({"name": x.name, "url": format!("{site}/authors/{}", x.slug)})).collect::<Vec<_>>(),
            "tags": a.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    Ok(respond(
        &req,
        &caller,
        "application/feed+json; charset=utf-8",
        feed.to_string(),
    ))
}

/// Which published articles a sitemap lists: those of the last `since` (newest first), or one page
/// of all of them in `size` (oldest first, so that a page's URLs stay in it as new articles are
/// published; one dated into the past moves the later URLs by one place).
enum Span {
    Since(Duration),
    Page { page: i64, size: i64 },
}

/// (url, last modified, published, title) of published articles, as `span` says.
async fn sitemap_rows(
    state: &web::Data<AppState>,
    span: Span,
) -> Result<Vec<(String, NaiveDateTime, NaiveDateTime, String)>, ApiError> {
    let site = state.config.site_url.clone();
    state
        .db
        .run_read(true, move |conn| {
            let now = crate::db::now();
            let (filter, sort, start, limit) = match span {
                Span::Since(d) => (
                    Filter {
                        published_after: Some(now - d),
                        ..Filter::default()
                    },
                    Sort::PublishedDesc,
                    Start::Offset(0),
                    NEWS_SITEMAP_URLS,
                ),
                Span::Page { page, size } => (
                    Filter::default(),
                    Sort::PublishedAsc,
                    Start::Offset((page - 1) * size),
                    size,
                ),
            };
            let rows = q::page(
                conn,
                &Scope::Public,
                &filter,
                sort,
                &start,
                limit,
                now,
                q::Bodies::Without,
            )?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    (
                        format!("{site}/articles/{}", r.slug),
                        r.updated_at,
                        r.sort_at,
                        r.title,
                    )
                })
                .collect())
        })
        .await
}

/// Query of `/sitemap.xml`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SitemapQuery {
    /// One sitemap of the index (from 1): the published articles, oldest first, in sitemaps of
    /// `KIOSQUE_SITEMAP_URLS` (50,000) URLs. Absent: every URL when they fit in one sitemap, else
    /// the sitemap index that lists the pages.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
}

/// Every published article's URL: one sitemap while they fit in one (`KIOSQUE_SITEMAP_URLS`, the
/// protocol's 50,000), a sitemap index of `/sitemap.xml?page=N` beyond.
#[utoipa::path(tag = "feeds", operation_id = "sitemap", params(SitemapQuery), responses(
    (status = 200, description = "sitemaps.org XML: a `urlset`, or a `sitemapindex` when the published articles do not fit in one sitemap", content_type = "application/xml", body = String),
    (status = 400, description = "`page` is not a number from 1 to 1000000", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such page of the sitemap index", body = Problem, content_type = "application/problem+json")))]
#[get("/sitemap.xml")]
pub async fn sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SitemapQuery>,
) -> Result<HttpResponse, ApiError> {
    let size = state.config.sitemap_urls;
    let page = query.into_inner().page;
    if page.is_some_and(|p| !(1..=1_000_000).contains(&p)) {
        return Err(ApiError::bad_param("page", "must be between 1 and 1000000"));
    }
    let total = state
        .db
        .run_read(true, |conn| {
            Ok(q::count(
                conn,
                &Scope::Public,
                &Filter::default(),
                crate::db::now(),
            )?)
        })
        .await?;
    let pages = ((total + size - 1) / size).max(1);
    let xml = match page {
        None if pages > 1 => {
            let site = escape(&state.config.site_url);
            let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for p in 1..=pages {
                xml.push_str(&format!(
                    "<sitemap><loc>{site}/sitemap.xml?page={p}</loc></sitemap>\n"
                ));
            }
            xml.push_str("</sitemapindex>\n");
            xml
        }
        Some(p) if p > pages => return Err(ApiError::not_found("sitemap page")),
        page => {
            let rows = sitemap_rows(
                &state,
                Span::Page {
                    page: page.unwrap_or(1),
                    size,
                },
            )
            .await?;
            let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for (url, modified, _, _) in rows {
                xml.push_str(&format!(
                    "<url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
                    escape(&url),
                    crate::domain::utc(modified).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ));
            }
            xml.push_str("</urlset>\n");
            xml
        }
    };
    Ok(respond(
        &req,
        &caller,
        "application/xml; charset=utf-8",
        xml,
    ))
}

/// Google News sitemap: articles published in the last 48 hours.
#[utoipa::path(tag = "feeds", operation_id = "news_sitemap", responses((status = 200, description = "Google News sitemap", content_type = "application/xml", body = String)))]
#[get("/sitemap-news.xml")]
pub async fn news_sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let rows = sitemap_rows(&state, Span::Since(Duration::hours(48))).await?;
    let name = escape(&state.config.site_name);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    for (url, _, published, title) in rows {
        xml.push_str(&format!(
            "<url><loc>{}</loc><news:news><news:publication><news:name>{name}</news:name><news:language>fr</news:language>\
             </news:publication><news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news></url>\n",
            escape(&url),
            crate::domain::utc(published).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            escape(&title)
        ));
    }
    xml.push_str("</urlset>\n");
    Ok(respond(
        &req,
        &caller,
        "application/xml; charset=utf-8",
        xml,
    ))
}
