//! The OpenAPI document: served, committed, complete.

use crate::both;

both!(
    the_served_spec_equals_the_committed_file,
    |app| async move {
        let served = app.get("/openapi.json").await.expect(200);
        let committed: serde_json::Value =
            serde_json::from_str(include_str!("../../openapi/openapi.json"))
                .expect("openapi/openapi.json is JSON");
        assert!(
        served.body == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -q -- openapi > openapi/openapi.json`"
    );
        assert!(served.body["openapi"].as_str().unwrap().starts_with("3.1"));
    }
);

both!(
    every_operation_is_documented_with_its_errors,
    |app| async move {
        let spec = app.get("/openapi.json").await.expect(200).body;
        let paths = spec["paths"].as_object().unwrap();
        for p in [
            "/v1/articles",
            "/v1/articles/{key}",
            "/v1/articles/{key}/related",
            "/v1/rubriques",
            "/v1/rubriques/{key}",
            "/v1/authors",
            "/v1/authors/{key}",
            "/v1/tags",
            "/v1/tags/{key}",
            "/v1/auth/token",
            "/v1/me",
            "/v1/users",
            "/v1/users/{id}",
            "/health/live",
            "/health/ready",
        ] {
            assert!(paths.contains_key(p), "{p} is missing from the spec");
        }
        for (p, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                assert!(
                    op["operationId"].is_string(),
                    "{method} {p} has no operationId"
                );
                assert!(
                    op["description"].is_string() || op["summary"].is_string(),
                    "{method} {p} has no description"
                );
                if method != "get" {
                    assert!(
                        op["responses"]
                            .as_object()
                            .unwrap()
                            .keys()
                            .any(|k| k.starts_with('4')),
                        "{method} {p} documents no error"
                    );
                }
            }
        }
        assert_eq!(
            spec["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(spec["components"]["schemas"]["Problem"].is_object());
    }
);

both!(the_docs_page_is_served_without_internet, |app| async move {
    // `/docs` redirects to `/docs/` (the client follows it).
    assert!(app.get("/docs").await.expect(200).text.contains("swagger"));
    let page = app.get("/docs/").await.expect(200);
    assert!(page.text.contains("swagger"), "docs page");
    assert!(!page.text.contains("cdn."), "no CDN scripts");
    let init = app.get("/docs/swagger-initializer.js").await.expect(200);
    assert!(init.text.contains("/openapi.json"));
});
