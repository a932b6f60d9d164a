//! `/v1/users`: admins manage staff accounts.

use crate::both;
use serde_json::json;

both!(
    admins_manage_accounts_and_no_hash_ever_leaves,
    |app| async move {
        let admin = app.admin().await;
        let r = app.post("/v1/users", &admin, json!({"email": "Plume@Kiosque.test", "password": "mot-de-passe-long", "role": "author", "author": "andre-martin-bado"})).await.expect(201);
        assert_eq!(r.body["email"], "plume@kiosque.test");
        assert_eq!(r.body["author"]["slug"], "andre-martin-bado");
        assert!(!r.text.contains("argon2") && r.body.get("password").is_none());
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(r.header("location"), Some(format!("/v1/users/{id}")));
        let list = app.get_as("/v1/users", &admin).await.expect(200);
        assert_eq!(list.body["meta"]["total"], 2);
        assert!(!list.text.contains("argon2"));
        // Each listed user carries its byline (loaded for the whole page at once), or null.
        let listed = list.body["data"].as_array().unwrap();
        let plume = listed.iter().find(|u| u["id"] == id).unwrap();
        assert_eq!(plume["author"]["slug"], "andre-martin-bado");
        assert!(listed.iter().any(|u| u["author"].is_null()));
        let r = app
            .patch(
                &format!("/v1/users/{id}"),
                &admin,
                json!({"role": "editor", "author": null}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["role"], "editor");
        assert!(r.body["author"].is_null());
        app.patch(
            &format!("/v1/users/{id}"),
            &admin,
            json!({"password": "nouveau-mot-de-passe"}),
        )
        .await
        .expect(200);
        app.login("plume@kiosque.test", "nouveau-mot-de-passe")
            .await
            .expect(200);
        app.login("plume@kiosque.test", "mot-de-passe-long")
            .await
            .problem(401);
        app.delete(&format!("/v1/users/{id}"), &admin)
            .await
            .expect(204);
        app.delete(&format!("/v1/users/{id}"), &admin)
            .await
            .problem(404);
    }
);

both!(account_input_is_validated, |app| async move {
    let admin = app.admin().await;
    let r = app
        .post(
            "/v1/users",
            &admin,
            json!({"email": "pas-un-email", "password": "court", "role": "chef"}),
        )
        .await
        .problem(422);
    assert!(r.text.contains("role"));
    let r = app
        .post(
            "/v1/users",
            &admin,
            json!({"email": "pas-un-email", "password": "court", "role": "author"}),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"email") && fields.contains(&"password"),
        "{fields:?}"
    );
    app.post("/v1/users", &admin, json!({"email": "a@b.test", "password": "mot-de-passe-long", "role": "author", "author": "nobody"})).await.problem(422);
    app.post("/v1/users", &admin, json!({"email": "a@b.test", "password": "mot-de-passe-long", "role": "author", "password_hash": "x"})).await.problem(422);
    app.post("/v1/users", &admin, json!({"email": crate::helpers::ADMIN_EMAIL, "password": "mot-de-passe-long", "role": "author"})).await.problem(409);
    app.patch("/v1/users/abc", &admin, json!({"role": "author"}))
        .await
        .problem(400);
    let me = app.get_as("/v1/me", &admin).await.body["id"]
        .as_i64()
        .unwrap();
    app.patch(
        &format!("/v1/users/{me}"),
        &admin,
        json!({"role": "editor"}),
    )
    .await
    .problem(409);
    app.delete(&format!("/v1/users/{me}"), &admin)
        .await
        .problem(409);
});

both!(only_admins_reach_accounts, |app| async move {
    let editor = app.staff("editor", None).await;
    app.get_as("/v1/users", &editor).await.problem(403);
    app.post(
        "/v1/users",
        &editor,
        json!({"email": "x@y.test", "password": "mot-de-passe-long", "role": "admin"}),
    )
    .await
    .problem(403);
    app.patch("/v1/users/1", &editor, json!({"role": "contributor"}))
        .await
        .problem(403);
    app.delete("/v1/users/1", &editor).await.problem(403);
    app.get("/v1/users").await.problem(401);
    // A trailing slash or another method does not slip past the role check.
    app.get_as("/v1/users/", &editor).await.problem(404);
    let r = app
        .request(
            awc::http::Method::PUT,
            "/v1/users/1",
            Some(&editor),
            Some(&json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 405);
    let contributor = app.staff("contributor", None).await;
    app.post("/v1/rubriques", &contributor, json!({"name": "Pirate"}))
        .await
        .problem(403);
});
