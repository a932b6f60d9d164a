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
        app.get("/v1/articles?fields=").await.problem(400);
        app.get("/v1/articles/%00").await;
        let r = app.get(&format!("/v1/articles/{}", "x".repeat(300))).await;
        assert!(r.status.is_client_error(), "{}", r.status);
    }
);
