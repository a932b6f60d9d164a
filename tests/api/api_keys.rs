//! Partner API keys: shown once, stored hashed, revocable, with their own rate limit.

use crate::both;
use awc::http::Method;
use serde_json::json;

both!(
    admins_issue_partner_keys_that_carry_their_own_limit,
    |app| async move {
        let admin = app.admin().await;
        let r = app
            .post(
                "/v1/api-keys",
                &admin,
                json!({"name": "Agence partenaire", "rate_limit_per_minute": 3}),
            )
            .await
            .expect(201);
        let secret = r.body["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("kk_") && secret.len() > 40);
        assert_eq!(r.body["scopes"], json!(["read"]));
        assert!(secret.starts_with(r.body["prefix"].as_str().unwrap()));
        let id = r.body["id"].as_i64().unwrap();
        let list = app.get_as("/v1/api-keys", &admin).await.expect(200);
        assert!(!list.text.contains(&secret), "the secret is shown once");
        assert_eq!(list.body["data"][0]["name"], "Agence partenaire");
        assert_eq!(list.body["meta"]["total"], 1);
        assert_eq!(list.header("x-total-count").as_deref(), Some("1"));
        // The partner reads with its own limit.
        let key = [("X-Api-Key", secret.as_str())];
        for i in 0..3 {
            let r = app
                .raw(Method::GET, "/v1/articles?per_page=1", None, None, &key)
                .await
                .expect(200);
            assert_eq!(r.header("ratelimit-limit").as_deref(), Some("3"));
            assert_eq!(r.header("ratelimit-remaining"), Some((2 - i).to_string()));
        }
        app.raw(Method::GET, "/v1/articles", None, None, &key)
            .await
            .problem(429);
        let used = app.get_as("/v1/api-keys", &admin).await.expect(200);
        assert!(used.body["data"][0]["last_used_at"].is_string());
        // Revoked, it stops at once; an unknown key is refused rather than ignored.
        app.delete(&format!("/v1/api-keys/{id}"), &admin)
            .await
            .expect(204);
        app.raw(Method::GET, "/v1/articles", None, None, &key)
            .await
            .problem(401);
        app.delete(&format!("/v1/api-keys/{id}"), &admin)
            .await
            .problem(404);
        app.raw(
            Method::GET,
            "/v1/articles",
            None,
            None,
            &[("X-Api-Key", "kk_nope")],
        )
        .await
        .problem(401);
    }
);

both!(
    only_admins_manage_keys_and_input_is_checked,
    |app| async move {
        let editor = app.staff("editor", None).await;
        app.get_as("/v1/api-keys", &editor).await.problem(403);
        app.post("/v1/api-keys", &editor, json!({"name": "x"}))
            .await
            .problem(403);
        app.delete("/v1/api-keys/1", &editor).await.problem(403);
        app.get("/v1/api-keys").await.problem(401);
        let admin = app.admin().await;
        app.post("/v1/api-keys", &admin, json!({"name": ""}))
            .await
            .problem(422);
        app.post(
            "/v1/api-keys",
            &admin,
            json!({"name": "x", "scopes": ["admin"]}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/api-keys",
            &admin,
            json!({"name": "x", "rate_limit_per_minute": 0}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/api-keys",
            &admin,
            json!({"name": "x", "secret": "mine"}),
        )
        .await
        .problem(422);
        app.delete("/v1/api-keys/abc", &admin).await.problem(400);
    }
);

both!(
    the_key_list_is_a_paginated_collection_in_id_order,
    |app| async move {
        let admin = app.admin().await;
        for name in ["Un", "Deux", "Trois"] {
            app.post("/v1/api-keys", &admin, json!({ "name": name }))
                .await
                .expect(201);
        }
        let first = app
            .get_as("/v1/api-keys?per_page=2", &admin)
            .await
            .expect(200);
        let names: Vec<&str> = first.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Un", "Deux"]);
        assert_eq!(first.body["meta"]["total"], 3);
        assert_eq!(
            first.header("cache-control").as_deref(),
            Some("private, no-store")
        );
        let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
        let next = app
            .get_as(&format!("/v1/api-keys?per_page=2&cursor={cursor}"), &admin)
            .await
            .expect(200);
        assert_eq!(next.body["data"][0]["name"], "Trois");
        assert_eq!(next.body["data"].as_array().unwrap().len(), 1);
        assert!(next.body["meta"]["next_cursor"].is_null());
        let by_page = app
            .get_as("/v1/api-keys?per_page=2&page=2", &admin)
            .await
            .expect(200);
        assert_eq!(by_page.body["data"], next.body["data"]);
        app.get_as("/v1/api-keys?cursor=nonsense", &admin)
            .await
            .problem(400);
    }
);
