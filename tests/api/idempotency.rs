//! `Idempotency-Key` on POST: one row, the same answer; another body is a 409.

use crate::both;
use awc::http::Method;
use serde_json::json;

both!(
    a_repeated_post_with_the_same_key_creates_one_article,
    |app| async move {
        let admin = app.admin().await;
        let body =
            json!({"title": "Une seule fois", "body": "b", "rubrique": "politique"}).to_string();
        let key = [("Idempotency-Key", "create-7f3a")];
        let first = app
            .raw(
                Method::POST,
                "/v1/articles",
                Some(&admin),
                Some(body.clone()),
                &key,
            )
            .await
            .expect(201);
        let again = app
            .raw(
                Method::POST,
                "/v1/articles",
                Some(&admin),
                Some(body.clone()),
                &key,
            )
            .await
            .expect(201);
        assert_eq!(first.body, again.body);
        assert_eq!(first.header("location"), again.header("location"));
        assert_eq!(first.header("etag"), again.header("etag"));
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
        let drafts = app
            .get_as(
                "/v1/articles?status=draft&per_page=100&fields=title",
                &admin,
            )
            .await;
        assert_eq!(drafts.text.matches("Une seule fois").count(), 1, "one row");
        let other =
            json!({"title": "Autre chose", "body": "b", "rubrique": "politique"}).to_string();
        let r = app
            .raw(
                Method::POST,
                "/v1/articles",
                Some(&admin),
                Some(other),
                &key,
            )
            .await
            .problem(409);
        assert_eq!(r.body["errors"][0]["field"], "Idempotency-Key");
        assert_eq!(r.body["errors"][0]["code"], "reused");
        // Keys belong to their caller.
        let editor = app.staff("editor", None).await;
        app.raw(
            Method::POST,
            "/v1/articles",
            Some(&editor),
            Some(body),
            &key,
        )
        .await
        .expect(201);
    }
);

both!(a_failed_request_frees_its_key, |app| async move {
    let admin = app.admin().await;
    let key = [("Idempotency-Key", "retry-1")];
    let bad = json!({"title": "", "body": "b", "rubrique": "politique"}).to_string();
    app.raw(Method::POST, "/v1/articles", Some(&admin), Some(bad), &key)
        .await
        .problem(422);
    let good = json!({"title": "Corrigé", "body": "b", "rubrique": "politique"}).to_string();
    app.raw(Method::POST, "/v1/articles", Some(&admin), Some(good), &key)
        .await
        .expect(201);
    let long = "k".repeat(300);
    app.raw(
        Method::POST,
        "/v1/tags",
        Some(&admin),
        Some("{\"name\":\"x\"}".into()),
        &[("Idempotency-Key", long.as_str())],
    )
    .await
    .problem(400);
});

both!(
    a_stored_answer_that_cannot_be_read_back_is_a_500_never_a_different_replay,
    |app| async move {
        let admin = app.admin().await;
        let key = [("Idempotency-Key", "abime-1")];
        let body = json!({"name": "Gardé"}).to_string();
        let first = app
            .raw(
                Method::POST,
                "/v1/tags",
                Some(&admin),
                Some(body.clone()),
                &key,
            )
            .await
            .expect(201);
        let replay = app
            .raw(
                Method::POST,
                "/v1/tags",
                Some(&admin),
                Some(body.clone()),
                &key,
            )
            .await
            .expect(201);
        assert_eq!(
            replay.header("idempotent-replayed").as_deref(),
            Some("true")
        );
        assert_eq!(replay.header("location"), first.header("location"));
        assert_eq!(replay.body, first.body);
        // Damaged below HTTP: the headers no longer parse.
        app.execute_sql(
            "UPDATE idempotency_keys SET headers = 'pas du JSON' WHERE idem_key = 'abime-1'",
        );
        let r = app
            .raw(Method::POST, "/v1/tags", Some(&admin), Some(body), &key)
            .await
            .problem(500);
        assert!(r.header("location").is_none());
        assert!(
            !r.text.contains("pas du JSON"),
            "no internals leak: {}",
            r.text
        );
    }
);
