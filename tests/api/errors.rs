//! The error contract: problem+json for everything a client can get wrong.

use crate::both;

both!(
    unknown_routes_and_wrong_methods_are_problems,
    |app| async move {
        let r = app.get("/v1/nothing-here").await.problem(404);
        assert_eq!(r.body["instance"], "/v1/nothing-here");
        app.get("/v1/articles/").await.problem(404);
        app.get("/v2/articles").await.problem(404);
        let r = app
            .request(awc::http::Method::PUT, "/v1/articles", None, None)
            .await
            .problem(405);
        let allow = r.header("allow").unwrap();
        assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
        app.request(awc::http::Method::DELETE, "/v1/rubriques", None, None)
            .await
            .problem(405);
    }
);

both!(handler_errors_name_the_request_path, |app| async move {
    let r = app.get("/v1/articles/nulle-part").await.problem(404);
    assert_eq!(r.body["instance"], "/v1/articles/nulle-part");
    assert_eq!(r.body["type"], "/problems/not-found");
    let r = app.get("/v1/articles?per_page=500").await.problem(400);
    assert_eq!(r.body["instance"], "/v1/articles");
    assert_eq!(r.body["errors"][0]["field"], "per_page");
});

both!(health_says_live_and_ready, |app| async move {
    assert_eq!(
        app.get("/health/live").await.expect(200).body["status"],
        "ok"
    );
    assert_eq!(
        app.get("/health/ready").await.expect(200).body["status"],
        "ok"
    );
});

both!(
    huge_or_hostile_query_values_are_4xx_not_500,
    |app| async move {
        let long = "a".repeat(5000);
        assert_eq!(
            app.get(&format!("/v1/articles?rubrique={long}"))
                .await
                .status
                .as_u16(),
            400
        );
        let many = (0..200)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",");
        app.get(&format!("/v1/articles?tag={many}"))
            .await
            .problem(400);
        app.get("/v1/articles?published_after=2024-13-45T00:00:00Z")
            .await
            .problem(400);
        app.get("/v1/articles?status=secret").await.problem(400);
        app.get("/v1/articles?fields=nope").await.problem(400);
        app.get("/v1/articles?fields=id,,nope").await.problem(400);
        let nul = app.get("/v1/articles/%00").await.problem(404);
        assert_eq!(nul.body["instance"], "/v1/articles/%00");
        let r = app.get(&format!("/v1/articles/{}", "x".repeat(300))).await;
        assert!(r.status.is_client_error(), "{}", r.status);
    }
);

both!(bodies_must_be_one_json_object, |app| async move {
    let admin = app.admin().await;
    let post = |body: &'static str| {
        app.raw(
            awc::http::Method::POST,
            "/v1/tags",
            Some(&admin),
            Some(body.into()),
            &[],
        )
    };
    post("{\"name\":\"a\"} trailing").await.problem(400);
    post("{\"name\":\"b\"}{\"name\":\"c\"}").await.problem(400);
    let r = post("[\"Tableau\", \"tableau\"]").await.problem(422);
    assert_eq!(r.body["errors"][0]["code"], "not_an_object");
    post("  {\"name\":\"Espaces autour\"}  \n")
        .await
        .expect(201);
    let r = post("{\"zzz\": 1}").await.problem(422);
    assert_eq!(r.body["errors"][0]["field"], "zzz");
    let r = app
        .post(
            "/v1/tags",
            &admin,
            serde_json::json!({"name": "nul\u{0}octet"}),
        )
        .await
        .problem(422);
    assert_eq!(r.body["errors"][0]["code"], "control_characters");
    app.post(
        "/v1/articles",
        &admin,
        serde_json::json!({"title": "Titre \u{1b}[31m", "body": "b", "rubrique": "politique"}),
    )
    .await
    .problem(422);
    app.post("/v1/articles", &admin, serde_json::json!({"title": "t", "body": "b", "rubrique": "politique", "tags": ["a\u{7}b"]})).await.problem(422);
});

both!(head_answers_like_get_without_a_body, |app| async move {
    let r = app
        .request(awc::http::Method::HEAD, "/v1/articles", None, None)
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.text.is_empty());
    assert!(r.header("etag").is_some());
    assert_eq!(
        app.request(awc::http::Method::HEAD, "/health/live", None, None)
            .await
            .status
            .as_u16(),
        200
    );
});

both!(
    empty_filters_filter_nothing_and_cursors_are_checked,
    |app| async move {
        let all = app.get("/v1/articles").await.expect(200).body["meta"]["total"].clone();
        for f in ["tag=", "rubrique=", "author=", "tag=,", "exclude="] {
            assert_eq!(
                app.get(&format!("/v1/articles?{f}")).await.expect(200).body["meta"]["total"],
                all,
                "{f}"
            );
        }
        use base64::Engine;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"s":"-published_at","v":"garbage","i":17}"#);
        app.get(&format!("/v1/articles?cursor={forged}"))
            .await
            .problem(400);
    }
);

both!(several_if_match_headers_count_together, |app| async move {
    let admin = app.admin().await;
    let r = app
        .post("/v1/tags", &admin, serde_json::json!({"name": "Versions"}))
        .await
        .expect(201);
    let etag = r.header("etag").unwrap();
    let path = format!("/v1/tags/{}", r.body["id"]);
    let mut req = app
        .client
        .patch(format!("{}{}", app.base, path))
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("If-Match", "\"other\""));
    req = req.append_header(("If-Match", etag.as_str()));
    let res = req.send_body(r#"{"name": "Versions 2"}"#).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
});

both!(
    metrics_count_requests_in_prometheus_text,
    |app| async move {
        app.get("/v1/articles").await.expect(200);
        app.get("/v1/nothing").await.problem(404);
        let m = app.get("/metrics").await.expect(200);
        assert!(m
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4"));
        assert!(m
            .text
            .contains("kiosque_http_requests_total{method=\"GET\",status=\"2xx\"}"));
        assert!(m
            .text
            .contains("kiosque_http_requests_total{method=\"GET\",status=\"4xx\"}"));
        assert!(m
            .text
            .contains("kiosque_http_request_duration_seconds_count"));
        assert!(m.text.contains("kiosque_db_pool_connections"));
    }
);

/// PostgreSQL only: SQLite is a local file that does not go away under a running process.
#[actix_rt::test]
#[cfg_attr(
    not(kiosque_pg),
    ignore = "the PostgreSQL half: build and run with KIOSQUE_TEST_POSTGRES_URL set"
)]
async fn readiness_is_a_503_with_retry_after_while_the_database_is_gone() {
    let app = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Postgres, |c| {
        c.db_timeout = std::time::Duration::from_secs(1)
    })
    .await
    .expect("PostgreSQL configured");
    app.get("/health/ready").await.expect(200);
    app.drop_database_now();
    let r = app.get("/health/ready").await.problem(503);
    assert!(r.header("retry-after").is_some());
    // Liveness does not depend on the database.
    app.get("/health/live").await.expect(200);
    // Nor does anything answer a 500 for it.
    app.get("/v1/articles").await.problem(503);
}
