//! The order of checks every request goes through (README, "Order of checks"), and the places where
//! the server reads a value as the OpenAPI document says it does.

use awc::http::Method;
use serde_json::json;

use crate::both;

both!(
    an_undeclared_method_is_a_405_with_allow_before_any_other_check,
    |app| async move {
        let admin = app.admin().await;
        // A query string, a body and no token: the method is judged first.
        for path in [
            "/feeds/rss.xml?x=1",
            "/v1/authors/1?x=1",
            "/v1/tags/1",
            "/sitemap.xml",
        ] {
            let r = app
                .raw(Method::PUT, path, None, Some("{}".into()), &[])
                .await
                .problem(405);
            assert!(r.header("allow").unwrap().contains("GET"), "{path}");
        }
        let r = app
            .raw(Method::PUT, "/v1/tags/1", Some(&admin), None, &[])
            .await
            .problem(405);
        assert_eq!(
            r.header("allow").as_deref(),
            Some("GET, PATCH, DELETE, HEAD")
        );
    }
);

both!(
    a_staff_operation_without_a_token_is_a_401_before_headers_query_or_body,
    |app| async move {
        let before = app.get("/v1/tags?per_page=100").await.expect(200);
        let bad_key = [("Idempotency-Key", "")];
        for (method, path) in [
            (Method::POST, "/v1/articles"),
            (Method::POST, "/v1/auth/logout"),
            (Method::PATCH, "/v1/tags/1?x=1"),
            (Method::DELETE, "/v1/articles/1?x=1"),
        ] {
            let r = app
                .raw(
                    method.clone(),
                    path,
                    None,
                    Some("not json".into()),
                    &bad_key,
                )
                .await
                .problem(401);
            assert!(r.header("www-authenticate").is_some(), "{method} {path}");
        }
        // A forged token is judged the same way, before the body.
        app.raw(
            Method::POST,
            "/v1/tags",
            Some("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"),
            Some("[1]".into()),
            &[("Content-Type", "text/plain")],
        )
        .await
        .problem(401);
        app.raw(Method::GET, "/v1/users?nope=1", None, None, &[])
            .await
            .problem(401);
        // Nothing was written.
        let after = app.get("/v1/tags?per_page=100").await.expect(200);
        assert_eq!(after.body["data"], before.body["data"]);
        assert!(after.body["meta"]["total"].as_i64().unwrap() > 0);
    }
);

both!(
    a_bad_body_is_judged_before_a_stale_if_match,
    |app| async move {
        let admin = app.admin().await;
        let stale = [("If-Match", "\"t1-v999\"")];
        let r = app
            .raw(
                Method::PATCH,
                "/v1/tags/1",
                Some(&admin),
                Some(json!({"slug": false}).to_string()),
                &stale,
            )
            .await
            .problem(422);
        assert_eq!(r.body["errors"][0]["field"], "slug");
        app.raw(
            Method::PATCH,
            "/v1/tags/1",
            Some(&admin),
            Some(json!({"slug": "Pas Un Slug"}).to_string()),
            &stale,
        )
        .await
        .problem(422);
        // A good body with the stale version: 412, and the tag is unchanged.
        app.raw(
            Method::PATCH,
            "/v1/tags/1",
            Some(&admin),
            Some(json!({"name": "Autre"}).to_string()),
            &stale,
        )
        .await
        .problem(412);
        let t = app.get("/v1/tags/1").await.expect(200);
        assert_ne!(t.body["name"], "Autre");
        // The same order on articles.
        let a = app.get("/v1/articles/1").await.expect(200);
        assert_eq!(a.body["version"], 1);
        let stale = [("If-Match", "\"a1-v999\"")];
        app.raw(
            Method::PATCH,
            "/v1/articles/1",
            Some(&admin),
            Some(json!({"title": ""}).to_string()),
            &stale,
        )
        .await
        .problem(422);
        app.raw(Method::DELETE, "/v1/articles/1", Some(&admin), None, &stale)
            .await
            .problem(412);
        app.get("/v1/articles/1").await.expect(200);
    }
);

both!(
    a_reference_is_a_number_or_a_slug_and_ids_may_come_as_whole_floats,
    |app| async move {
        let admin = app.admin().await;
        // `"2"` is a slug (never an id), so it names no rubrique.
        let r = app
            .post(
                "/v1/articles",
                &admin,
                json!({"title": "Réf", "body": "b", "rubrique": "2"}),
            )
            .await
            .problem(422);
        assert_eq!(r.body["errors"][0]["field"], "rubrique");
        assert_eq!(r.body["errors"][0]["code"], "unknown");
        // `2.0` is the number 2 (JSON Schema counts it an integer).
        let a = app
            .post(
                "/v1/articles",
                &admin,
                json!({"title": "Réf", "body": "b", "rubrique": 2.0}),
            )
            .await
            .expect(201);
        assert_eq!(a.body["rubrique"]["id"], 2);
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": "Réf", "body": "b", "rubrique": 2.5}),
        )
        .await
        .problem(422);
        let k = app
            .post(
                "/v1/api-keys",
                &admin,
                json!({"name": "Partenaire", "rate_limit_per_minute": 120.0}),
            )
            .await
            .expect(201);
        assert_eq!(k.body["rate_limit_per_minute"], 120);
    }
);

both!(
    a_nul_character_in_a_filter_or_key_matches_nothing_instead_of_failing,
    |app| async move {
        let feed = app
            .get("/feeds/rss.xml?tag=a%00b&rubrique=%00")
            .await
            .expect(200);
        assert!(feed.text.contains("<rss"), "{}", feed.text);
        assert!(!feed.text.contains("<item>"), "{}", feed.text);
        let list = app.get("/v1/articles?author=%00").await.expect(200);
        assert_eq!(list.body["meta"]["total"], 0);
        app.get("/v1/tags/a%00").await.problem(404);
        let admin = app.admin().await;
        app.get_as("/v1/audit?action=%00", &admin).await.expect(200);
        app.login("a\u{0}@kiosque.example", "un mot de passe quelconque")
            .await
            .problem(401);
    }
);

both!(
    a_past_published_at_with_published_after_before_gives_an_empty_list,
    |app| async move {
        let r = app
            .get("/v1/articles?published_after=2024-03-01T00:00:00Z&published_before=2024-01-01T00:00:00Z")
            .await
            .expect(200);
        assert_eq!(r.body["meta"]["total"], 0);
        assert_eq!(r.body["data"], json!([]));
    }
);

both!(
    a_nul_character_in_free_text_is_removed_the_same_on_both_databases,
    |app| async move {
        let admin = app.admin().await;
        let a = app
            .post(
                "/v1/articles",
                &admin,
                json!({"title": "Nul", "body": "avant\u{0}après", "rubrique": "culture",
                       "featured_image": {"url": "https://img.example/x.jpg", "alt": "a\u{0}b", "credit": "\u{0}"}}),
            )
            .await
            .expect(201);
        assert_eq!(a.body["body_html"], "<p>avantaprès</p>");
        assert_eq!(a.body["featured_image"]["alt"], "ab");
        // A control character in a plain text field is still a 422.
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": "a\u{0}b", "body": "b", "rubrique": "culture"}),
        )
        .await
        .problem(422);
    }
);
