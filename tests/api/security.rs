//! OWASP API Security Top 10 (2023) scenarios that apply, on both databases: object-level and
//! function-level authorisation, mass assignment, unpublished content in public responses, and
//! requests shaped to slip past the checks.

use crate::both;
use awc::http::Method;
use serde_json::json;

both!(
    function_level_checks_hold_whatever_the_route_spelling,
    |app| async move {
        let contributor = app.staff("contributor", Some("issouf-sanou")).await;
        for (method, path) in [
            (Method::GET, "/v1/users"),
            (Method::POST, "/v1/users"),
            (Method::GET, "/v1/api-keys"),
            (Method::GET, "/v1/audit"),
            (Method::POST, "/v1/rubriques"),
            (Method::DELETE, "/v1/rubriques/politique"),
            (Method::PATCH, "/v1/tags/fespaco"),
        ] {
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({"name": "x", "email": "x@y.z", "role": "admin", "password": "mot-de-passe-long"}));
            let r = app
                .request(method.clone(), path, Some(&contributor), body.as_ref())
                .await;
            assert_eq!(r.status.as_u16(), 403, "{method} {path}: {}", r.text);
        }
        for path in [
            "/v1/users/",
            "/v1//users",
            "/v1%2Fusers",
            "/V1/users",
            "/v1/users/..%2F",
        ] {
            let r = app.get_as(path, &contributor).await;
            assert!(
                r.status == 404 || r.status == 400 || r.status == 405,
                "{path} answered {}",
                r.status
            );
        }
        app.request(
            Method::PUT,
            "/v1/users/1",
            Some(&contributor),
            Some(&json!({"role": "admin"})),
        )
        .await
        .problem(405);
        assert_eq!(
            app.get_as("/v1/me", &contributor).await.body["role"],
            "contributor"
        );
    }
);

both!(a_query_string_never_redirects_a_write, |app| async move {
    let admin = app.admin().await;
    let demo = app
        .get(&format!("/v1/articles/{}", crate::helpers::DEMO_SLUG))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let other = app
        .article(
            &admin,
            json!({"title": "Cible", "body": "b", "rubrique": "politique"}),
        )
        .await;
    app.patch(
        &format!("/v1/articles/{}?id={demo}", other["id"]),
        &admin,
        json!({"title": "Défacé"}),
    )
    .await
    .problem(400);
    app.delete(&format!("/v1/articles/{}?id={demo}", other["id"]), &admin)
        .await
        .problem(400);
    app.post("/v1/tags?name=x", &admin, json!({"name": "Requête"}))
        .await
        .problem(400);
    assert_ne!(
        app.get(&format!("/v1/articles/{demo}")).await.body["title"],
        "Défacé"
    );
});

both!(
    unpublished_articles_appear_in_no_public_response,
    |app| async move {
        let editor = app.staff("editor", None).await;
        app.post("/v1/rubriques", &editor, json!({"name": "Coulisses"}))
            .await
            .expect(201);
        app.post("/v1/authors", &editor, json!({"name": "Plume Secrète"}))
            .await
            .expect(201);
        let secret = json!({"title": "Scoop zorblax", "body": "Le zorblax arrive.", "rubrique": "coulisses", "authors": ["plume-secrete"], "tags": ["Embargo zorblax"]});
        let draft = app.article(&editor, secret.clone()).await;
        let mut scheduled = secret.clone();
        scheduled["status"] = "published".into();
        scheduled["published_at"] = "2099-06-01T00:00:00Z".into();
        scheduled["title"] = "Scoop zorblax programmé".into();
        let sched = app.article(&editor, scheduled).await;
        for a in [&draft, &sched] {
            app.get(&format!("/v1/articles/{}", a["id"]))
                .await
                .problem(404);
            app.get(&format!("/v1/articles/{}", a["slug"].as_str().unwrap()))
                .await
                .problem(404);
            app.get(&format!("/v1/articles/{}/related", a["id"]))
                .await
                .problem(404);
        }
        let hidden = [draft["id"].as_i64().unwrap(), sched["id"].as_i64().unwrap()];
        let public_texts = [
            app.get("/v1/articles?per_page=100").await.body["data"].to_string(),
            app.get("/v1/articles?rubrique=coulisses").await.body["data"].to_string(),
            app.get("/v1/articles?author=plume-secrete").await.body["data"].to_string(),
            app.get("/v1/articles?q=zorblax").await.body["data"].to_string(),
            app.get("/v1/articles?q=zorbl*").await.body["data"].to_string(),
            app.get("/v1/articles?sort=-updated_at&per_page=100")
                .await
                .body["data"]
                .to_string(),
            app.get(&format!(
                "/v1/articles/{}/related?limit=20",
                crate::helpers::DEMO_SLUG
            ))
            .await
            .body["data"]
                .to_string(),
            app.get(&format!(
                "/v1/articles/{}/related?strategy=latest&limit=20",
                crate::helpers::DEMO_SLUG
            ))
            .await
            .body["data"]
                .to_string(),
            app.get("/v1/tags?per_page=100").await.body["data"].to_string(),
        ];
        for text in &public_texts {
            assert!(!text.to_lowercase().contains("zorblax"), "leak: {text}");
            for id in hidden {
                assert!(
                    !text.contains(&format!("\"id\":{id},\"slug\":\"scoop")),
                    "leak of {id}"
                );
            }
        }
        for feed in [
            "/feeds/rss.xml",
            "/feeds/atom.xml",
            "/feeds/feed.json",
            "/sitemap.xml",
            "/sitemap-news.xml",
        ] {
            let text = app.get(feed).await.expect(200).text.to_lowercase();
            assert!(
                !text.contains("zorblax"),
                "{feed} leaks an unpublished article"
            );
        }
        assert_eq!(
            app.get("/v1/rubriques/coulisses").await.body["article_count"],
            0
        );
        assert_eq!(
            app.get("/v1/authors/plume-secrete").await.body["article_count"],
            0
        );
        app.get("/v1/tags/embargo-zorblax").await.problem(404);
        app.get("/v1/articles?status=scheduled").await.problem(401);
        // Staff who may see them do.
        assert_eq!(
            app.get_as("/v1/articles?q=zorblax&status=draft", &editor)
                .await
                .ids(),
            vec![hidden[0]]
        );
    }
);

both!(
    oversized_and_hostile_requests_are_refused_cleanly,
    |app| async move {
        let admin = app.admin().await;
        let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(20 * 1024 * 1024));
        app.raw(Method::POST, "/v1/tags", Some(&admin), Some(huge), &[])
            .await
            .problem(413);
        let tags: Vec<String> = (0..5000).map(|i| format!("t{i}")).collect();
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": "t", "body": "b", "rubrique": "politique", "tags": tags}),
        )
        .await
        .problem(422);
        app.get(&format!("/v1/articles?q={}", "mot+".repeat(400)))
            .await
            .problem(400);
        app.get("/v1/articles?per_page=100000").await.problem(400);
        for payload in [
        "<svg><script>alert(1)</script></svg>",
        "<math><maction actiontype=\"statusline\" xlink:href=\"javascript:alert(1)\">x</maction></math>",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<img src=\"https://x.test/a.png\" onload=\"alert(1)\">",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<object data=\"javascript:alert(1)\"></object>",
    ] {
        let a = app.article(&admin, json!({"title": "XSS", "body": payload, "body_format": "html", "rubrique": "politique"})).await;
        let html = a["body_html"].as_str().unwrap().to_lowercase();
        for bad in ["<script", "javascript", "onload", "<svg", "<math", "<object", "style="] {
            assert!(!html.contains(bad), "{payload} left {bad}: {html}");
        }
    }
    }
);

both!(
    every_read_refuses_query_parameters_it_does_not_take,
    |app| async move {
        let admin = app.admin().await;
        for path in [
            "/v1/me?id=2",
            "/health/live?verbose=1",
            "/sitemap.xml?offset=2",
            "/metrics?x=1",
            "/v1/api-keys?all=1",
        ] {
            let r = app.get_as(path, &admin).await;
            assert_eq!(r.status.as_u16(), 400, "{path}: {}", r.text);
        }
        app.get("/v1/articles?rubrique=politique").await.expect(200);
    }
);
