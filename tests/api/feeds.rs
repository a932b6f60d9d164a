//! Feeds and sitemaps: well-formed (parsed as XML), published articles only, filtered like the list.

use std::collections::BTreeSet;

use crate::both;
use crate::helpers::TestApp;
use serde_json::json;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// The text of the child elements named `name` (in namespace `ns`, or none) of every `parent` element.
fn texts(doc: &roxmltree::Document, ns: Option<&str>, parent: &str, name: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| {
            n.has_tag_name((ns.unwrap_or(""), parent)) || (ns.is_none() && n.has_tag_name(parent))
        })
        .map(|item| {
            item.children()
                .find(|c| {
                    c.tag_name().name() == name && (ns.is_none() || c.tag_name().namespace() == ns)
                })
                .and_then(|c| c.text())
                .unwrap_or_else(|| panic!("a <{parent}> without <{name}>"))
                .to_owned()
        })
        .collect()
}

/// The published articles the API lists for `query`, as (titles, canonical urls).
async fn listed(app: &TestApp, query: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let r = app
        .get(&format!(
            "/v1/articles?per_page=100&fields=title,url{query}"
        ))
        .await
        .expect(200);
    let items = r.body["data"].as_array().unwrap();
    assert!(!items.is_empty(), "{query}");
    (
        items
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect(),
        items
            .iter()
            .map(|a| a["url"].as_str().unwrap().to_owned())
            .collect(),
    )
}

both!(
    feeds_carry_the_latest_published_articles,
    |app| async move {
        let rss = app.get("/feeds/rss.xml").await.expect(200);
        assert!(rss
            .header("content-type")
            .unwrap()
            .starts_with("application/rss+xml"));
        assert!(rss.header("etag").is_some());
        let doc = roxmltree::Document::parse(&rss.text).expect("RSS is XML");
        assert_eq!(doc.root_element().tag_name().name(), "rss");
        assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
        let (titles, urls) = listed(&app, "").await;
        let rss_titles: BTreeSet<String> = texts(&doc, None, "item", "title").into_iter().collect();
        assert_eq!(rss_titles, titles, "every published article, not the draft");
        let links: BTreeSet<String> = texts(&doc, None, "item", "link").into_iter().collect();
        assert_eq!(links, urls);
        for date in texts(&doc, None, "item", "pubDate") {
            chrono::DateTime::parse_from_rfc2822(&date).expect("RFC 822 date");
        }

        let atom = app
            .get("/feeds/atom.xml?rubrique=securite")
            .await
            .expect(200);
        assert!(atom
            .header("content-type")
            .unwrap()
            .starts_with("application/atom+xml"));
        let doc = roxmltree::Document::parse(&atom.text).expect("Atom is XML");
        assert!(doc.root_element().has_tag_name((ATOM, "feed")));
        let (titles, _) = listed(&app, "&rubrique=securite").await;
        let entries: BTreeSet<String> = texts(&doc, Some(ATOM), "entry", "title")
            .into_iter()
            .collect();
        assert_eq!(entries, titles);
        assert_eq!(entries.len(), 3);
        assert!(texts(&doc, Some(ATOM), "author", "name").contains(&"André-Martin Bado".to_owned()));
        for updated in texts(&doc, Some(ATOM), "entry", "updated") {
            chrono::DateTime::parse_from_rfc3339(&updated).expect("RFC 3339 date");
        }

        let feed = app.get("/feeds/feed.json?tag=fespaco").await.expect(200);
        assert!(feed
            .header("content-type")
            .unwrap()
            .starts_with("application/feed+json"));
        assert_eq!(feed.body["version"], "https://jsonfeed.org/version/1.1");
        let (titles, _) = listed(&app, "&tag=fespaco").await;
        let items: BTreeSet<String> = feed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(items, titles);
        assert!(feed.body["items"][0]["content_html"]
            .as_str()
            .unwrap()
            .contains("<p>"));
        app.get("/feeds/rss.xml?page=2").await.problem(400);
        // Titles are escaped in XML: the parsed title is the one written.
        let admin = app.admin().await;
        app.article(&admin, json!({"title": "Prix & <marges>", "body": "b", "rubrique": "economie", "status": "published"})).await;
        let rss = app.get("/feeds/rss.xml").await.expect(200);
        let doc = roxmltree::Document::parse(&rss.text).expect("RSS is XML");
        assert!(texts(&doc, None, "item", "title").contains(&"Prix & <marges>".to_owned()));
    }
);

both!(
    sitemaps_list_published_urls_and_the_news_of_two_days,
    |app| async move {
        let map = app.get("/sitemap.xml").await.expect(200);
        assert!(map
            .header("content-type")
            .unwrap()
            .starts_with("application/xml"));
        let doc = roxmltree::Document::parse(&map.text).expect("sitemap is XML");
        assert!(doc.root_element().has_tag_name((SITEMAP, "urlset")));
        let locs: BTreeSet<String> = texts(&doc, Some(SITEMAP), "url", "loc")
            .into_iter()
            .collect();
        let (_, urls) = listed(&app, "").await;
        assert_eq!(locs, urls, "every published article's canonical URL");
        let news = app.get("/sitemap-news.xml").await.expect(200);
        let doc = roxmltree::Document::parse(&news.text).expect("news sitemap is XML");
        assert!(doc.root_element().has_tag_name((SITEMAP, "urlset")));
        assert_eq!(
            texts(&doc, Some(SITEMAP), "url", "loc").len(),
            0,
            "the demo content is older than 48 hours"
        );
        let admin = app.admin().await;
        app.article(&admin, json!({"title": "Dernière heure", "body": "b", "rubrique": "politique", "status": "published"})).await;
        app.article(
            &admin,
            json!({"title": "Pas encore", "body": "b", "rubrique": "politique"}),
        )
        .await;
        let news = app.get("/sitemap-news.xml").await.expect(200);
        let doc = roxmltree::Document::parse(&news.text).expect("news sitemap is XML");
        assert_eq!(texts(&doc, Some(SITEMAP), "url", "loc").len(), 1);
        assert_eq!(texts(&doc, Some(NEWS), "news", "title"), ["Dernière heure"]);
    }
);

both!(
    beyond_one_sitemap_the_sitemap_is_an_index_of_pages_that_hold_every_url,
    tweak = |c| c.sitemap_urls = 5,
    |app| async move {
        // Five URLs per sitemap here (50,000 as shipped, the protocol's limit): the demo content
        // holds more, so /sitemap.xml is an index, and its pages together list every URL once.
        let (_, urls) = listed(&app, "").await;
        assert!(urls.len() > 5);
        let index = app.get("/sitemap.xml").await.expect(200);
        let doc = roxmltree::Document::parse(&index.text).expect("sitemap index is XML");
        assert!(doc.root_element().has_tag_name((SITEMAP, "sitemapindex")));
        let pages = texts(&doc, Some(SITEMAP), "sitemap", "loc");
        assert_eq!(pages.len(), urls.len().div_ceil(5));
        let mut seen: Vec<String> = Vec::new();
        for (i, loc) in pages.iter().enumerate() {
            assert!(
                loc.ends_with(&format!("/sitemap.xml?page={}", i + 1)),
                "{loc}"
            );
            let path = &loc[loc.find("/sitemap.xml").unwrap()..];
            let page = app.get(path).await.expect(200);
            let doc = roxmltree::Document::parse(&page.text).expect("sitemap page is XML");
            assert!(doc.root_element().has_tag_name((SITEMAP, "urlset")));
            let locs = texts(&doc, Some(SITEMAP), "url", "loc");
            assert!(
                !locs.is_empty() && locs.len() <= 5,
                "{path}: {}",
                locs.len()
            );
            seen.extend(locs);
        }
        let all: BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(all.len(), seen.len(), "a URL listed twice");
        assert_eq!(all, urls, "every published article's URL, once");
        // The pages hold the oldest first: a new article joins the last page, the others stay.
        let first = app.get("/sitemap.xml?page=1").await.expect(200).text;
        let admin = app.admin().await;
        app.article(&admin, json!({"title": "Dernière heure", "body": "b", "rubrique": "politique", "status": "published"})).await;
        assert_eq!(app.get("/sitemap.xml?page=1").await.expect(200).text, first);
        // Bad pages: a clear problem, nothing else.
        let past = pages.len() + 2;
        app.get(&format!("/sitemap.xml?page={past}"))
            .await
            .expect(404);
        for bad in ["0", "-1", "1000001", "deux"] {
            let r = app
                .get(&format!("/sitemap.xml?page={bad}"))
                .await
                .expect(400);
            assert!(r
                .header("content-type")
                .unwrap()
                .starts_with("application/problem+json"));
        }
        app.get("/sitemap.xml?pages=1").await.expect(400);
    }
);
