//! Feeds and sitemaps: well-formed, published articles only, filtered like the list.

use crate::both;
use serde_json::json;

both!(
    feeds_carry_the_latest_published_articles,
    |app| async move {
        let rss = app.get("/feeds/rss.xml").await.expect(200);
        assert!(rss
            .header("content-type")
            .unwrap()
            .starts_with("application/rss+xml"));
        assert!(rss.text.starts_with("<?xml") && rss.text.contains("<rss version=\"2.0\""));
        assert!(rss
            .text
            .contains("Coopération militaire : des soldats russes atterrissent à Ouagadougou"));
        assert_eq!(
            rss.text.matches("<item>").count(),
            17,
            "every published demo article, not the draft"
        );
        assert!(rss.header("etag").is_some());
        let atom = app
            .get("/feeds/atom.xml?rubrique=securite")
            .await
            .expect(200);
        assert!(atom
            .header("content-type")
            .unwrap()
            .starts_with("application/atom+xml"));
        assert_eq!(atom.text.matches("<entry>").count(), 3);
        assert!(atom.text.contains("<name>André-Martin Bado</name>"));
        let feed = app.get("/feeds/feed.json?tag=fespaco").await.expect(200);
        assert!(feed
            .header("content-type")
            .unwrap()
            .starts_with("application/feed+json"));
        assert_eq!(feed.body["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(feed.body["items"].as_array().unwrap().len(), 3);
        assert!(feed.body["items"][0]["content_html"]
            .as_str()
            .unwrap()
            .contains("<p>"));
        app.get("/feeds/rss.xml?page=2").await.problem(400);
        // Titles are escaped in XML.
        let admin = app.admin().await;
        app.article(&admin, json!({"title": "Prix & <marges>", "body": "b", "rubrique": "economie", "status": "published"})).await;
        let rss = app.get("/feeds/rss.xml").await.expect(200);
        assert!(rss.text.contains("Prix &amp; &lt;marges&gt;"));
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
        assert_eq!(map.text.matches("<url>").count(), 17);
        assert!(map
            .text
            .contains("<loc>https://journal.test/articles/cooperation-militaire"));
        let news = app.get("/sitemap-news.xml").await.expect(200);
        assert_eq!(
            news.text.matches("<url>").count(),
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
        assert_eq!(news.text.matches("<url>").count(), 1);
        assert!(news
            .text
            .contains("<news:title>Dernière heure</news:title>"));
    }
);
