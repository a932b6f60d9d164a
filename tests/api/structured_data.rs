//! `json_ld`: each article as schema.org `NewsArticle` structured data, in the shape Google's Article
//! rich results read (https://developers.google.com/search/docs/appearance/structured-data/article):
//! `@context`/`@type`, `headline`, `image` as URLs, `datePublished`/`dateModified` as ISO 8601
//! instants, `author` as Person or Organization with `name` and `url`; and the publisher, section,
//! keywords, language and page a news site adds.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::DEMO_SLUG;

/// No null anywhere: a property without a value is left out, as the structured-data testers want.
fn assert_no_null(v: &Value, at: &str) {
    match v {
        Value::Null => panic!("null at {at}"),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_no_null(item, &format!("{at}[{i}]"));
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                assert_no_null(item, &format!("{at}.{k}"));
            }
        }
        _ => {}
    }
}

fn instant(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a string instant"))
        .expect("an ISO 8601 instant")
}

both!(
    an_article_carries_news_article_structured_data_built_from_its_own_fields,
    |app| async move {
        let a = app
            .get(&format!("/v1/articles/{DEMO_SLUG}"))
            .await
            .expect(200)
            .body;
        let ld = &a["json_ld"];
        assert_no_null(ld, "json_ld");
        assert_eq!(ld["@context"], "https://schema.org");
        assert_eq!(ld["@type"], "NewsArticle");
        assert_eq!(ld["headline"], a["title"]);
        assert!(!ld["headline"].as_str().unwrap().is_empty());
        assert_eq!(ld["description"], a["excerpt"]);
        assert_eq!(instant(&ld["datePublished"]), instant(&a["published_at"]));
        assert_eq!(instant(&ld["dateModified"]), instant(&a["updated_at"]));
        assert!(instant(&ld["dateModified"]) >= instant(&ld["datePublished"]));
        assert_eq!(ld["articleSection"], a["rubrique"]["name"]);
        assert_eq!(ld["inLanguage"], "fr");
        assert_eq!(
            ld["mainEntityOfPage"],
            json!({"@type": "WebPage", "@id": a["url"]})
        );
        assert_eq!(
            ld["publisher"],
            json!({"@type": "NewsMediaOrganization", "name": "Kiosque", "url": "https://journal.test"})
        );
        let tags: Vec<&Value> = a["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["name"])
            .collect();
        assert!(!tags.is_empty());
        assert_eq!(
            ld["keywords"]
                .as_array()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            tags
        );
        // The byline, in order, as persons whose url is their page on the site.
        let byline = a["authors"].as_array().unwrap();
        let authors = ld["author"].as_array().unwrap();
        assert!(!byline.is_empty());
        assert_eq!(authors.len(), byline.len());
        for (person, by) in authors.iter().zip(byline) {
            assert_eq!(person["@type"], "Person");
            assert_eq!(person["name"], by["name"]);
            let slug = by["slug"].as_str().unwrap();
            assert_eq!(
                person["url"].as_str().unwrap(),
                format!("https://journal.test/authors/{slug}")
            );
            app.get(&format!("/v1/authors/{slug}")).await.expect(200);
        }
        // Google wants image URLs; the featured image's.
        let image = a["featured_image"]["url"]
            .as_str()
            .expect("the demo article has an image");
        assert_eq!(ld["image"], json!([image]));
        assert!(image.starts_with("https://"));
    }
);

both!(
    collections_carry_structured_data_only_when_fields_ask_for_it,
    |app| async move {
        let plain = app.get("/v1/articles?per_page=5").await.expect(200).body;
        let items = plain["data"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(items.iter().all(|a| a.get("json_ld").is_none()));

        let asked = app
            .get("/v1/articles?per_page=5&fields=id,title,json_ld")
            .await
            .expect(200)
            .body;
        let items = asked["data"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        for a in items {
            assert_eq!(a["json_ld"]["@type"], "NewsArticle");
            assert_eq!(a["json_ld"]["headline"], a["title"]);
            assert!(a.get("slug").is_none(), "fields still trims the rest");
        }

        let related = app
            .get(&format!(
                "/v1/articles/{DEMO_SLUG}/related?fields=id,json_ld"
            ))
            .await
            .expect(200)
            .body;
        let cards = related["data"].as_array().unwrap();
        assert!(!cards.is_empty());
        assert!(cards.iter().all(|c| c["json_ld"]["@type"] == "NewsArticle"));
    }
);

both!(
    an_article_without_byline_is_authored_by_the_publisher_and_a_draft_has_no_publication_date,
    |app| async move {
        let admin = app.admin().await;
        let created = app
            .post(
                "/v1/articles",
                &admin,
                json!({"title": "Communiqué de la rédaction", "body": "Texte.", "rubrique": "politique"}),
            )
            .await
            .expect(201)
            .body;
        // The answer to a write is the article as a single read shows it, structured data included.
        let ld = &created["json_ld"];
        assert_no_null(ld, "json_ld");
        assert!(
            ld.get("datePublished").is_none(),
            "a draft is not published"
        );
        assert_eq!(ld["author"], json!([ld["publisher"]]));
        assert!(ld.get("image").is_none(), "no featured image, no image");
        let id = created["id"].as_i64().unwrap();
        let read = app
            .get_as(&format!("/v1/articles/{id}"), &admin)
            .await
            .expect(200)
            .body;
        assert_eq!(read["json_ld"], created["json_ld"]);
    }
);
