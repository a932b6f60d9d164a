//! OpenAPI links from a creation to the item's read, update and delete (ETag into `If-Match`), and
//! the fields each POST requires.

use serde_json::{json, Value};

/// The resources a client creates and then reads, changes and deletes: (collection path, the item's
/// path parameter, the operations on the item).
const LIFECYCLES: &[(&str, &str, &[&str])] = &[
    (
        "/v1/articles",
        "key",
        &[
            "find_article",
            "update_article",
            "delete_article",
            "list_related_articles",
            "list_article_revisions",
        ],
    ),
    (
        "/v1/rubriques",
        "key",
        &["find_rubrique", "update_rubrique", "delete_rubrique"],
    ),
    (
        "/v1/authors",
        "key",
        &["find_author", "update_author", "delete_author"],
    ),
    ("/v1/tags", "key", &["find_tag", "update_tag", "delete_tag"]),
    ("/v1/users", "id", &["update_user", "delete_user"]),
    ("/v1/api-keys", "id", &["delete_api_key"]),
];

/// OpenAPI links from a creation (201) and an update (200) to what can follow on the same item: its
/// id into the path, its new `ETag` into `If-Match` where the next operation takes one.
pub(super) fn add_links(paths: &mut serde_json::Map<String, Value>) {
    let takes_if_match = |op: &str| op.starts_with("update_") || op.starts_with("delete_");
    let links = |param: &str, ops: &[&str], with_etag: bool| -> Value {
        let mut out = serde_json::Map::new();
        for op in ops {
            let mut parameters = json!({ param: "$response.body#/id" });
            if with_etag && takes_if_match(op) && *op != "delete_user" && *op != "update_user" {
                parameters["header.If-Match"] = json!("$response.header.ETag");
            }
            out.insert(
                op.to_string(),
                json!({"operationId": op, "parameters": parameters}),
            );
        }
        Value::Object(out)
    };
    for (collection, param, ops) in LIFECYCLES {
        let etag = *param == "key";
        if let Some(r) = paths
            .get_mut(*collection)
            .and_then(|i| i.pointer_mut("/post/responses/201"))
        {
            r["links"] = links(param, ops, etag);
        }
        let item = format!("{collection}/{{{param}}}");
        if let Some(r) = paths
            .get_mut(&item)
            .and_then(|i| i.pointer_mut("/patch/responses/200"))
        {
            r["links"] = links(param, ops, etag);
        }
    }
}

/// The fields a creation needs. One input schema serves `POST` and `PATCH` (a merge patch needs
/// nothing), so each `POST` says what it requires on top of it.
const REQUIRED_ON_CREATE: &[(&str, &[&str])] = &[
    ("/v1/articles", &["title", "body", "rubrique"]),
    ("/v1/rubriques", &["name"]),
    ("/v1/authors", &["name"]),
    ("/v1/tags", &["name"]),
    ("/v1/users", &["email", "password", "role"]),
    ("/v1/webhooks", &["url", "events"]),
];

pub(super) fn require_on_create(paths: &mut serde_json::Map<String, Value>) {
    for (path, required) in REQUIRED_ON_CREATE {
        let Some(schema) = paths
            .get_mut(*path)
            .and_then(|i| i.pointer_mut("/post/requestBody/content/application~1json/schema"))
        else {
            continue;
        };
        let input = schema.take();
        *schema = json!({"allOf": [input, {"required": required}]});
    }
}
