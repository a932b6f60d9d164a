//! Reading articles: listing, filters, sorting, pagination, fields, one article, caching.

use crate::both;
use crate::helpers::DEMO_SLUG;
use serde_json::json;

both!(
    the_list_shows_published_articles_newest_first_in_the_envelope,
    |app| async move {
        let r = app.get("/v1/articles").await.expect(200);
        assert_eq!(r.body["meta"]["total"], 17, "18 demo articles, one a draft");
        assert_eq!(r.header("x-total-count").as_deref(), Some("17"));
        assert_eq!(r.body["meta"]["per_page"], 20);
        assert_eq!(r.body["meta"]["page"], 1);
        let data = r.body["data"].as_array().unwrap();
        assert_eq!(data.len(), 17);
        let dates: Vec<&str> = data
            .iter()
            .map(|a| a["published_at"].as_str().unwrap())
            .collect();
        let mut sorted = dates.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(dates, sorted);
        assert!(data.iter().all(|a| a["status"] == "published"));
        assert!(
            data[0].get("body_html").is_none() && data[0].get("body_text").is_none(),
            "no bodies in collections"
        );
        assert!(data[0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://journal.test/articles/"));
        assert!(r.header("link").unwrap().contains("rel=\"self\""));
        assert_eq!(
            r.header("cache-control").as_deref(),
            Some("public, max-age=60, stale-while-revalidate=300")
        );
        assert!(r.header("etag").is_some());
    }
);

both!(a_page_has_links_and_a_next_cursor, |app| async move {
    let r = app.get("/v1/articles?per_page=5&page=2").await.expect(200);
    assert_eq!(r.ids().len(), 5);
    assert_eq!(r.body["meta"]["total_pages"], 4);
    assert_eq!(r.body["links"]["prev"], "/v1/articles?page=1&per_page=5");
    assert_eq!(r.body["links"]["next"], "/v1/articles?page=3&per_page=5");
    assert_eq!(r.body["links"]["last"], "/v1/articles?page=4&per_page=5");
    let link = r.header("link").unwrap();
    assert!(
        link.contains("</v1/articles?page=3&per_page=5>; rel=\"next\""),
        "{link}"
    );
    let last = app.get("/v1/articles?per_page=5&page=4").await.expect(200);
    assert_eq!(last.ids().len(), 2);
    assert!(last.body["links"]["next"].is_null() && last.body["meta"]["next_cursor"].is_null());
});

both!(
    walking_the_cursor_visits_every_article_once_even_while_one_is_published,
    |app| async move {
        let admin = app.admin().await;
        let mut seen = Vec::new();
        let mut r = app.get("/v1/articles?per_page=4").await.expect(200);
        seen.extend(r.ids());
        // A new article published during the walk must not shift the pages (keyset, not offset).
        app.article(&admin, json!({"title": "Dernière minute", "body": "Texte.", "rubrique": "politique", "status": "published"})).await;
        while let Some(c) = r.body["meta"]["next_cursor"].as_str().map(str::to_owned) {
            r = app
                .get(&format!("/v1/articles?per_page=4&cursor={c}"))
                .await
                .expect(200);
            assert!(r.body["meta"]["page"].is_null());
            seen.extend(r.ids());
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 17, "{seen:?}");
        assert_eq!(unique.len(), 17);
    }
);

both!(every_sort_pages_consistently_by_cursor, |app| async move {
    for sort in ["published_at", "-updated_at", "title", "-published_at"] {
        let all = app
            .get(&format!("/v1/articles?per_page=100&sort={sort}"))
            .await
            .expect(200)
            .ids();
        let mut walked = Vec::new();
        let mut url = format!("/v1/articles?per_page=3&sort={sort}");
        loop {
            let r = app.get(&url).await.expect(200);
            walked.extend(r.ids());
            match r.body["meta"]["next_cursor"].as_str() {
                Some(c) => url = format!("/v1/articles?per_page=3&sort={sort}&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(walked, all, "sort {sort}");
    }
    let titles = app
        .get("/v1/articles?per_page=100&sort=title&fields=title")
        .await
        .expect(200);
    let first = titles.body["data"][0]["title"].as_str().unwrap();
    assert!(
        first.starts_with("AES"),
        "accent-folded title order: {first}"
    );
});

both!(bad_pagination_is_a_400_never_a_clamp, |app| async move {
    app.get("/v1/articles?per_page=101").await.problem(400);
    app.get("/v1/articles?per_page=100000").await.problem(400);
    app.get("/v1/articles?per_page=0").await.problem(400);
    app.get("/v1/articles?page=0").await.problem(400);
    app.get("/v1/articles?page=abc").await.problem(400);
    app.get("/v1/articles?cursor=nonsense").await.problem(400);
    let r = app.get("/v1/articles?per_page=2").await.expect(200);
    let c = r.body["meta"]["next_cursor"].as_str().unwrap().to_owned();
    app.get(&format!("/v1/articles?sort=title&cursor={c}"))
        .await
        .problem(400);
    // A cursor wins over a page number: the page after the cursor, with cursor links.
    let after = app
        .get(&format!("/v1/articles?per_page=2&cursor={c}"))
        .await
        .expect(200);
    let both = app
        .get(&format!("/v1/articles?page=5&per_page=2&cursor={c}"))
        .await
        .expect(200);
    assert_eq!(both.body["data"], after.body["data"]);
    assert_ne!(both.body["data"], r.body["data"]);
    assert_eq!(both.body["meta"]["page"], serde_json::Value::Null);
    // Empty values mean "not given": the default order, fields and first page.
    let plain = app.get("/v1/articles?per_page=2").await.expect(200);
    let empty = app
        .get("/v1/articles?per_page=2&sort=&fields=&cursor=")
        .await
        .expect(200);
    assert_eq!(empty.body["data"], plain.body["data"]);
    assert!(empty.body["data"][0]["title"].is_string());
    app.get("/v1/articles?sort=popularity").await.problem(400);
    app.get("/v1/articles?fields=ur").await.problem(400);
    app.get("/v1/articles?unknown=1").await.problem(400);
});

both!(
    filters_combine_and_a_rubrique_includes_its_sub_rubriques,
    |app| async move {
        let eco = app
            .get("/v1/articles?rubrique=economie&per_page=100&fields=rubrique")
            .await
            .expect(200);
        let rubs: Vec<String> = eco.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["rubrique"]["slug"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            rubs.contains(&"agriculture".to_owned()) && rubs.contains(&"economie".to_owned()),
            "{rubs:?}"
        );
        let agri = app
            .get("/v1/articles?rubrique=agriculture")
            .await
            .expect(200);
        assert!(
            agri.body["meta"]["total"].as_i64().unwrap()
                < eco.body["meta"]["total"].as_i64().unwrap()
        );
        let either = app
            .get("/v1/articles?rubrique=sport,cinema&per_page=100&fields=rubrique")
            .await
            .expect(200);
        assert!(either.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| ["sport", "cinema"].contains(&a["rubrique"]["slug"].as_str().unwrap())));
        assert_eq!(either.body["meta"]["total"], 4);

        let bado = app
            .get("/v1/articles?author=andre-martin-bado&fields=authors")
            .await
            .expect(200);
        assert!(bado.body["meta"]["total"].as_i64().unwrap() >= 3);
        for a in bado.body["data"].as_array().unwrap() {
            assert!(a["authors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["slug"] == "andre-martin-bado"));
        }
        let tagged = app
            .get("/v1/articles?tag=fespaco&fields=tags")
            .await
            .expect(200);
        assert_eq!(tagged.body["meta"]["total"], 3);
        let both_filters = app
            .get("/v1/articles?tag=cooperation-militaire&rubrique=securite")
            .await
            .expect(200);
        assert!(both_filters.body["meta"]["total"].as_i64().unwrap() >= 1);
        assert!(both_filters.body["meta"]["total"].as_i64().unwrap() <= 3);

        let window = app.get("/v1/articles?published_after=2024-02-01T00:00:00Z&published_before=2024-03-01T00:00:00Z&per_page=100&fields=published_at").await.expect(200);
        assert!(!window.ids().is_empty(), "February holds demo articles");
        for a in window.body["data"].as_array().unwrap() {
            let p = a["published_at"].as_str().unwrap();
            assert!(("2024-02-01".."2024-03-01").contains(&p), "{p}");
        }
        app.get("/v1/articles?published_after=yesterday")
            .await
            .problem(400);

        let all = app.get("/v1/articles?per_page=100").await.expect(200);
        let (first_id, second_slug) = (all.ids()[0], all.slugs()[1].clone());
        let ex = app
            .get(&format!(
                "/v1/articles?per_page=100&exclude={first_id},{second_slug}"
            ))
            .await
            .expect(200);
        assert_eq!(ex.body["meta"]["total"], 15);
        assert!(!ex.ids().contains(&first_id) && !ex.slugs().contains(&second_slug));

        let none = app
            .get("/v1/articles?rubrique=no-such-rubrique")
            .await
            .expect(200);
        assert_eq!(none.body["meta"]["total"], 0);
        assert_eq!(none.body["data"], json!([]));
    }
);

both!(fields_select_what_comes_back, |app| async move {
    let r = app
        .get("/v1/articles?fields=id,title&per_page=1")
        .await
        .expect(200);
    let item = r.body["data"][0].as_object().unwrap();
    assert_eq!(item.keys().collect::<Vec<_>>(), vec!["id", "title"]);
    let with_body = app
        .get("/v1/articles?fields=id,body_html&per_page=1")
        .await
        .expect(200);
    assert!(with_body.body["data"][0]["body_html"]
        .as_str()
        .unwrap()
        .contains("<p>"));
    app.get("/v1/articles?fields=id,password")
        .await
        .problem(400);
    let one = app
        .get(&format!("/v1/articles/{DEMO_SLUG}?fields=slug,location"))
        .await
        .expect(200);
    assert_eq!(
        one.body,
        json!({"slug": DEMO_SLUG, "location": "Ouagadougou"})
    );
});

both!(
    one_article_by_slug_or_id_with_every_field,
    |app| async move {
        let r = app
            .get(&format!("/v1/articles/{DEMO_SLUG}"))
            .await
            .expect(200);
        let a = &r.body;
        assert_eq!(
            a["title"],
            "Coopération militaire : des soldats russes atterrissent à Ouagadougou"
        );
        assert_eq!(a["source"], "AIB");
        assert_eq!(a["location"], "Ouagadougou");
        assert_eq!(a["language"], "fr");
        assert_eq!(a["authors"][0]["name"], "André-Martin Bado");
        assert!(["securite", "politique"].contains(&a["rubrique"]["slug"].as_str().unwrap()));
        assert!(a["body_html"].as_str().unwrap().starts_with('<'));
        assert!(a.get("body_text").is_none());
        assert!(a["word_count"].as_i64().unwrap() > 100);
        assert!(a["reading_time_minutes"].as_i64().unwrap() >= 1);
        let excerpt = a["excerpt"].as_str().unwrap();
        assert!(
            excerpt.chars().count() <= 160 && excerpt.ends_with('…'),
            "{excerpt}"
        );
        assert_eq!(
            a["url"],
            format!("https://journal.test/articles/{DEMO_SLUG}")
        );
        assert!(a.get("related").is_none(), "related settings are for staff");
        for k in [
            "id",
            "slug",
            "kicker",
            "lede",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "tags",
            "featured_image",
            "version",
        ] {
            assert!(a.get(k).is_some(), "missing {k}");
        }
        assert!(r.header("last-modified").is_some());
        let by_id = app
            .get(&format!("/v1/articles/{}", a["id"]))
            .await
            .expect(200);
        assert_eq!(by_id.body, r.body);

        let both = app
            .get(&format!("/v1/articles/{DEMO_SLUG}?formats=html,plaintext"))
            .await
            .expect(200);
        let text = both.body["body_text"].as_str().unwrap();
        assert!(!text.contains('<') && text.contains("Ouagadougou"));
        let plain = app
            .get(&format!("/v1/articles/{DEMO_SLUG}?formats=plaintext"))
            .await
            .expect(200);
        assert!(plain.body.get("body_html").is_none() && plain.body["body_text"].is_string());
        // The plain text named by `fields` is read for it (a default read leaves it unread).
        let named = app
            .get(&format!("/v1/articles/{DEMO_SLUG}?fields=id,body_text"))
            .await
            .expect(200);
        assert_eq!(named.body["body_text"].as_str(), Some(text));
        let html = app
            .get(&format!("/v1/articles/{DEMO_SLUG}?fields=id,body_html"))
            .await
            .expect(200);
        assert_eq!(html.body["body_html"], both.body["body_html"]);
        app.get(&format!("/v1/articles/{DEMO_SLUG}?formats=pdf"))
            .await
            .problem(400);
        app.get("/v1/articles/no-such-article").await.problem(404);
        app.get("/v1/articles/999999").await.problem(404);
    }
);

both!(conditional_gets_answer_304, |app| async move {
    let r = app
        .get(&format!("/v1/articles/{DEMO_SLUG}"))
        .await
        .expect(200);
    let etag = r.header("etag").unwrap();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"));
    let again = app
        .raw(
            awc::http::Method::GET,
            &format!("/v1/articles/{DEMO_SLUG}"),
            None,
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status.as_u16(), 304);
    assert!(again.text.is_empty());
    let lm = r.header("last-modified").unwrap();
    let since = app
        .raw(
            awc::http::Method::GET,
            &format!("/v1/articles/{DEMO_SLUG}"),
            None,
            None,
            &[("If-Modified-Since", &lm)],
        )
        .await;
    assert_eq!(since.status.as_u16(), 304);
    let list = app.get("/v1/articles").await;
    let tag = list.header("etag").unwrap();
    let list2 = app
        .raw(
            awc::http::Method::GET,
            "/v1/articles",
            None,
            None,
            &[("If-None-Match", &tag)],
        )
        .await;
    assert_eq!(list2.status.as_u16(), 304);
    let admin = app.admin().await;
    let private = app.get_as("/v1/articles", &admin).await.expect(200);
    assert_eq!(
        private.header("cache-control").as_deref(),
        Some("private, no-store")
    );
});

both!(
    author_and_tag_filters_take_comma_lists_meaning_any_of,
    |app| async move {
        let ids = |r: &crate::helpers::Res| -> std::collections::BTreeSet<i64> {
            r.ids().into_iter().collect()
        };
        let one = app
            .get("/v1/articles?per_page=100&author=boukary-zongo")
            .await
            .expect(200);
        let other = app
            .get("/v1/articles?per_page=100&author=issouf-sanou")
            .await
            .expect(200);
        assert!(!one.ids().is_empty() && !other.ids().is_empty());
        let both = app
            .get("/v1/articles?per_page=100&author=boukary-zongo,%20issouf-sanou")
            .await
            .expect(200);
        let union: std::collections::BTreeSet<i64> =
            ids(&one).union(&ids(&other)).copied().collect();
        assert_eq!(ids(&both), union);
        assert_eq!(both.body["meta"]["total"], union.len());
        // An author id works as well as a slug; an unknown value adds nothing.
        let author_id = app.get("/v1/authors/boukary-zongo").await.expect(200).body["id"].clone();
        let by_id = app
            .get(&format!(
                "/v1/articles?per_page=100&author={author_id},nobody"
            ))
            .await
            .expect(200);
        assert_eq!(ids(&by_id), ids(&one));
        let fespaco = app
            .get("/v1/articles?per_page=100&tag=fespaco")
            .await
            .expect(200);
        let coton = app
            .get("/v1/articles?per_page=100&tag=coton")
            .await
            .expect(200);
        let tags = app
            .get("/v1/articles?per_page=100&tag=fespaco,coton")
            .await
            .expect(200);
        let union: std::collections::BTreeSet<i64> =
            ids(&fespaco).union(&ids(&coton)).copied().collect();
        assert!(ids(&fespaco).is_disjoint(&ids(&coton)) && !union.is_empty());
        assert_eq!(ids(&tags), union);
        // More values than allowed is a 400, never a silent cut.
        let many = vec!["x"; 21].join(",");
        app.get(&format!("/v1/articles?tag={many}"))
            .await
            .problem(400);
    }
);

both!(
    an_archived_article_leaves_the_public_site_and_stays_with_the_staff,
    |app| async move {
        let admin = app.admin().await;
        let before = app.get("/v1/articles?per_page=100").await.expect(200);
        let path = "/v1/articles/1";
        let a = app
            .patch(path, &admin, serde_json::json!({"status": "archived"}))
            .await
            .expect(200);
        assert_eq!(a.body["status"], "archived");
        app.get(path).await.problem(404);
        let after = app.get("/v1/articles?per_page=100").await.expect(200);
        assert_eq!(
            after.body["meta"]["total"].as_i64().unwrap(),
            before.body["meta"]["total"].as_i64().unwrap() - 1
        );
        assert!(!after.ids().contains(&1));
        let feed = app.get("/feeds/rss.xml").await.expect(200);
        assert!(!feed
            .text
            .contains("cooperation-militaire-des-soldats-russes"));
        app.get_as(path, &admin).await.expect(200);
        let archived = app
            .get_as("/v1/articles?status=archived", &admin)
            .await
            .expect(200);
        assert_eq!(archived.ids(), [1]);
        // And back: published again, it is public again.
        app.patch(path, &admin, serde_json::json!({"status": "published"}))
            .await
            .expect(200);
        app.get(path).await.expect(200);
    }
);

both!(
    one_article_reads_its_links_as_a_page_lists_them,
    |app| async move {
        // The public read of one article takes its links in the same statement as the article;
        // they must be those of a list page and of a staff read: byline in its order, tags by name.
        let admin = app.admin().await;
        let a = app
            .article(
                &admin,
                json!({"title": "Cosigné : trois plumes", "body": "Le texte.", "rubrique": "societe",
                       "status": "published",
                       "authors": ["issouf-sanou", "aminata-kabore", "andre-martin-bado"],
                       "tags": ["Zinder", "élection", "Coton", "agriculture", "Énergie"]}),
            )
            .await;
        let one = app
            .get(&format!("/v1/articles/{}", a["slug"].as_str().unwrap()))
            .await
            .expect(200);
        let staff = app
            .get_as(&format!("/v1/articles/{}", a["id"]), &admin)
            .await
            .expect(200);
        let page = app
            .get("/v1/articles?per_page=100&fields=id,authors,tags,rubrique")
            .await
            .expect(200);
        let item = page.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == a["id"])
            .unwrap()
            .clone();
        let bylines: Vec<&str> = one.body["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["slug"].as_str().unwrap())
            .collect();
        assert_eq!(
            bylines,
            ["issouf-sanou", "aminata-kabore", "andre-martin-bado"]
        );
        assert_eq!(one.body["tags"].as_array().unwrap().len(), 5);
        for field in ["authors", "tags", "rubrique"] {
            assert_eq!(one.body[field], item[field], "{field}");
            assert_eq!(one.body[field], staff.body[field], "{field}");
        }
        // An article without byline or tags reads as one with empty lists.
        let bare = app
            .article(
                &admin,
                json!({"title": "Sans signature", "body": "b", "rubrique": "societe",
                       "status": "published"}),
            )
            .await;
        let r = app
            .get(&format!("/v1/articles/{}", bare["id"]))
            .await
            .expect(200);
        assert_eq!(r.body["tags"], json!([]));
        assert_eq!(r.body["rubrique"]["slug"], "societe");
    }
);
