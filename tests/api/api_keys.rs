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
        assert_eq!(list.body[0]["name"], "Agence partenaire");
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
        assert!(used.body[0]["last_used_at"].is_string());
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
