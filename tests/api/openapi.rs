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

/// `src/api/routes.rs` is the route table a reader opens: each line names a handler and, in a
/// comment, its method and path. The comments must say what the server serves: the served document
/// has exactly those operations, each under the handler's name.
#[test]
fn the_route_table_says_what_the_server_serves() {
    let table = include_str!("../../src/api/routes.rs");
    let mut listed: Vec<(String, String, String)> = table
        .lines()
        .filter_map(|line| {
            let (code, comment) = line.split_once("// ")?;
            let handler = code.split(".service(").nth(1)?.split(')').next()?;
            let op = handler.rsplit("::").next()?.to_owned();
            let mut words = comment.split_whitespace();
            let method = words.next()?.to_ascii_lowercase();
            let path = words.next()?.to_owned();
            Some((op, method, path))
        })
        .collect();
    let doc: serde_json::Value = serde_json::from_str(&kiosque::startup::openapi_json()).unwrap();
    let mut served: Vec<(String, String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                served.push((id.to_owned(), method.clone(), path.clone()));
            }
        }
    }
    listed.sort();
    served.sort();
    assert!(listed.len() > 40, "the table was not read: {listed:?}");
    assert_eq!(listed, served);
}
