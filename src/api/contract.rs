//! The query parameters' exact rules, written into the OpenAPI document from the same constants the
//! handlers check against, so that a generated client or a fuzzer sends only what the server accepts:
//! enums for the closed sets, patterns for the comma lists, bounds for the numbers.
//!
//! Empty values: `sort=`, `strategy=`, `formats=`, `fields=` and `cursor=` mean "not given" (the
//! default); the document says so with `allowEmptyValue`.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

use super::common::{
    MAX_EXCLUDE_VALUES, MAX_FILTER_VALUES, MAX_ITEM_CHARS, MAX_PAGE, MAX_PER_PAGE,
};

/// The field names a path's `fields` parameter accepts.
fn field_names(path: &str) -> Vec<&'static str> {
    let article = super::articles::model::FIELDS;
    match path {
        "/v1/articles" | "/v1/articles/{key}" => article.to_vec(),
        "/v1/articles/{key}/related" => {
            article.iter().copied().chain(["score", "reason"]).collect()
        }
        "/v1/rubriques" | "/v1/rubriques/{key}" => super::rubriques::FIELDS.to_vec(),
        "/v1/authors" | "/v1/authors/{key}" => super::authors::FIELDS.to_vec(),
        "/v1/tags" | "/v1/tags/{key}" => super::tags::FIELDS.to_vec(),
        _ => Vec::new(),
    }
}

/// A pattern for a comma list of `names`, items trimmed of spaces, empty items allowed (as the
/// handlers read it).
fn list_pattern(names: &[&str]) -> String {
    let alt = names.join("|");
    format!("^ *(?:{alt})? *(?:, *(?:{alt})? *)*$")
}

/// A pattern for at most `max` comma-separated values of at most `MAX_ITEM_CHARS` characters.
fn csv_pattern(max: usize) -> String {
    format!(
        "^[^,]{{0,{MAX_ITEM_CHARS}}}(?:,[^,]{{0,{MAX_ITEM_CHARS}}}){{0,{}}}$",
        max - 1
    )
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer(min: i64, max: i64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(min))
        .maximum(Some(max))
}

/// The schema a query parameter of `path` gets, and whether an empty value means "not given";
/// `None` leaves the generated one.
fn query_rule(path: &str, name: &str) -> Option<(Schema, bool)> {
    let rule = match (path, name) {
        (_, "page") => (integer(1, MAX_PAGE), false),
        (_, "per_page") => (integer(1, MAX_PER_PAGE), false),
        (_, "limit") => (integer(1, super::articles::related::MAX_LIMIT), false),
        (_, "cursor") => (string(), true),
        ("/v1/articles", "sort") => (
            string().enum_values(Some(super::articles::list::SORTS.to_vec())),
            true,
        ),
        ("/v1/tags", "sort") => (
            string().enum_values(Some(super::tags::SORTS.to_vec())),
            true,
        ),
        (_, "strategy") => (
            string().enum_values(Some(super::articles::related::STRATEGIES.to_vec())),
            true,
        ),
        (_, "formats") => (
            string().pattern(Some(list_pattern(&["html", "plaintext"]))),
            true,
        ),
        (_, "fields") => (
            string().pattern(Some(list_pattern(&field_names(path)))),
            true,
        ),
        (_, "rubrique" | "author" | "tag") => (
            string().pattern(Some(csv_pattern(MAX_FILTER_VALUES))),
            false,
        ),
        (_, "exclude") => (
            string().pattern(Some(csv_pattern(MAX_EXCLUDE_VALUES))),
            false,
        ),
        (_, "q") => (
            string().max_length(Some(crate::domain::search::MAX_QUERY_CHARS)),
            false,
        ),
        _ => return None,
    };
    Some((rule.0.build().into(), rule.1))
}

fn constrain_param(path: &str, p: &mut Parameter) {
    match p.parameter_in {
        ParameterIn::Query => {
            let Some((schema, empty)) = query_rule(path, &p.name) else {
                return;
            };
            p.schema = Some(RefOr::T(schema));
            if empty {
                let ext = p.extensions.get_or_insert_with(Default::default);
                ext.insert("allowEmptyValue".into(), serde_json::Value::Bool(true));
            }
        }
        // `{key}`: a numeric id or a slug, 1-200 characters.
        ParameterIn::Path if p.name == "key" => {
            p.schema = Some(RefOr::T(
                string()
                    .min_length(Some(1))
                    .max_length(Some(MAX_ITEM_CHARS))
                    .build()
                    .into(),
            ));
        }
        _ => {}
    }
}

/// Writes the rules into every operation of the document.
pub fn constrain(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops: [&mut Option<Operation>; 5] = [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.put,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            for p in op.parameters.iter_mut().flatten() {
                if let RefOr::T(p) = p {
                    constrain_param(path, p);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies and responses, written on the serialised document.

use serde_json::{json, Value};

/// White space as Rust's `str::trim` and `char::is_whitespace` see it (Unicode `White_Space`),
/// spelled out so that a validator's `\s` (which differs between regex engines) plays no part.
const WS: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// The control characters a text field refuses (`char::is_control`, line breaks and tabs aside).
const CTRL: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";

/// A text field as `Checks::text` reads it: at most `max` characters as sent, no control character
/// but line breaks and tabs once trimmed, and (`required`) something left after trimming.
fn text(max: usize, required: bool) -> Value {
    let edge = format!("[^{WS}{CTRL}]");
    let inner = format!("[^{CTRL}]");
    let core = format!("{edge}(?:{inner}*{edge})?");
    let core = if required {
        core
    } else {
        format!("(?:{core})?")
    };
    json!({"pattern": format!("^[{WS}]*{core}[{WS}]*$"), "maxLength": max})
}

/// A slug: lowercase ASCII letters and digits in hyphen-separated runs, not all digits, at most 80.
fn slug() -> Value {
    json!({
        "pattern": "^(?:[a-z0-9]*[a-z][a-z0-9]*(?:-[a-z0-9]+)*|[0-9]+(?:-[a-z0-9]+)+)$",
        "maxLength": crate::domain::text::SLUG_MAX,
    })
}

fn slug_schema() -> Value {
    let mut s = slug();
    s["type"] = json!("string");
    s
}

/// An absolute http(s) URL without white space or control characters, at most 2000 characters.
fn url() -> Value {
    json!({"pattern": format!("^https?://[^{WS}\\x00-\\x1f\\x7f-\\x9f]*$"), "maxLength": 2000})
}

/// A character class of every character that puts something in a slug (`text::slugify`): a tag's
/// name needs one, or the tag could not be found again by name. Computed from the slugger itself.
fn slug_char_class() -> &'static str {
    static CLASS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CLASS.get_or_init(|| {
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if crate::domain::text::slugify(c.encode_utf8(&mut buf)).is_empty() {
                continue;
            }
            match ranges.last_mut() {
                Some((_, end)) if *end as u32 + 1 == c as u32 => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        let put = |out: &mut String, c: char| {
            if c.is_ascii() {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push(c);
            }
        };
        let mut class = String::from("[");
        for (a, b) in ranges {
            put(&mut class, a);
            if b != a {
                class.push('-');
                put(&mut class, b);
            }
        }
        class.push(']');
        class
    })
}

/// The component that says "holds a character that makes a slug" (written once: the class is long).
const SLUG_CHARACTER: &str = "HasSlugCharacter";

fn has_slug_character() -> Value {
    json!({"$ref": format!("#/components/schemas/{SLUG_CHARACTER}")})
}

/// A tag name: a text of at most 60 characters with a character that makes a slug.
fn tag_name() -> Value {
    let mut t = text(60, true);
    let pattern = t["pattern"].take();
    json!({"maxLength": 60, "allOf": [{"pattern": pattern}, has_slug_character()]})
}

/// The rules of each input schema's properties, as its handler checks them.
fn body_rules() -> Vec<(&'static str, &'static str, Value)> {
    let not_blank = json!({"pattern": format!("[^{WS}]"), "maxLength": 200_000});
    let email_char = format!("[^@{WS}\\x00-\\x1f\\x7f-\\x9f");
    let email = json!({
        "pattern": format!("^{email_char}]+@{email_char}.]{email_char}]*\\.{email_char}]*{email_char}.]$"),
        "maxLength": 254,
    });
    vec![
        ("ArticleInput", "title", text(300, true)),
        ("ArticleInput", "slug", slug()),
        ("ArticleInput", "kicker", text(80, false)),
        ("ArticleInput", "lede", text(1000, false)),
        ("ArticleInput", "excerpt", text(160, true)),
        ("ArticleInput", "body", not_blank),
        ("ArticleInput", "source", text(100, false)),
        ("ArticleInput", "location", text(100, false)),
        (
            "ArticleInput",
            "language",
            json!({"pattern": "^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"}),
        ),
        (
            "ArticleInput",
            "authors",
            json!({"maxItems": 20, "examples": [["andre-martin-bado"]]}),
        ),
        (
            "ArticleInput",
            "rubrique",
            json!({"examples": ["securite"]}),
        ),
        ("RubriqueInput", "parent", json!({"examples": ["culture"]})),
        (
            "UserInput",
            "author",
            json!({"examples": ["aminata-kabore"]}),
        ),
        (
            "ArticleInput",
            "tags",
            json!({"maxItems": 50, "items": {"type": "string", "maxLength": 60,
                "allOf": [{"pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"}, has_slug_character()]}}),
        ),
        ("FeaturedImage", "url", url()),
        ("FeaturedImage", "alt", json!({"maxLength": 500})),
        ("FeaturedImage", "caption", json!({"maxLength": 500})),
        ("FeaturedImage", "credit", json!({"maxLength": 500})),
        ("RubriqueInput", "name", text(120, true)),
        ("RubriqueInput", "slug", slug()),
        ("RubriqueInput", "description", text(2000, false)),
        ("TagInput", "name", tag_name()),
        ("TagInput", "slug", slug()),
        ("AuthorInput", "name", text(120, true)),
        ("AuthorInput", "slug", slug()),
        ("AuthorInput", "bio", text(5000, false)),
        ("AuthorInput", "avatar_url", url()),
        ("AuthorInput", "links", json!({"maxItems": 20})),
        ("RelatedSettings", "pinned", json!({"maxItems": 20})),
        ("AuthorLink", "label", text(80, true)),
        ("AuthorLink", "url", url()),
        ("UserInput", "email", email),
        (
            "UserInput",
            "password",
            json!({"minLength": 12, "maxLength": 1024}),
        ),
        ("ApiKeyInput", "name", text(100, true)),
        (
            "ApiKeyInput",
            "scopes",
            json!({"minItems": 1, "items": {"type": "string", "enum": super::api_keys::SCOPES}}),
        ),
        (
            "ApiKeyInput",
            "rate_limit_per_minute",
            json!({"minimum": 1, "maximum": 100_000}),
        ),
    ]
}

/// The resources a `fields` parameter trims, and the collection schemas that hold them.
const SPARSE: &[(&str, &str)] = &[
    ("Article", "ArticleList"),
    ("Rubrique", "RubriqueList"),
    ("Author", "AuthorList"),
    ("Tag", "TagList"),
];

/// Writes the body rules, and lets responses to a `fields` request be partial: each resource gets a
/// `…Fields` twin with the same properties and none required, and the responses of operations that
/// take `fields` (and the collections' items) are either.
pub fn finish(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    schemas.insert(
        SLUG_CHARACTER.into(),
        json!({
            "type": "string",
            "description": "Holds at least one character that puts something in a slug (a letter or digit, \
                            accented or not, or one that transliterates to one): a tag is found again by its name's slug.",
            "pattern": slug_char_class(),
        }),
    );
    for (schema, prop, rule) in body_rules() {
        let Some(p) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{prop}")))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if let Value::Object(rule) = rule {
            p.extend(rule);
        }
    }
    // A reference is a positive id, or a string that can name something: digits (an id) or a slug.
    if let Some(k) = schemas.get_mut("KeyRef") {
        *k = json!({
            "description": "A reference to another resource in input: its numeric id (a number), or its slug (a string; never all digits, so `\"12\"` names nothing).",
            "oneOf": [
                {"type": "integer", "format": "int64", "minimum": 1},
                slug_schema(),
            ],
        });
    }
    for (item, list) in SPARSE {
        let Some(mut partial) = schemas.get(*item).cloned() else {
            continue;
        };
        if let Some(o) = partial.as_object_mut() {
            o.remove("required");
            o.insert(
                "description".into(),
                json!(format!(
                    "A {item} as a `fields` request returns it: only the named fields."
                )),
            );
        }
        schemas.insert(format!("{item}Fields"), partial);
        if let Some(items) = schemas
            .get_mut(*list)
            .and_then(|l| l.pointer_mut("/properties/data/items"))
        {
            *items = either(item);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    add_links(paths);
    require_on_create(paths);
    for item in paths.values_mut() {
        let Some(get) = item.get_mut("get") else {
            continue;
        };
        let takes_fields = get["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "fields"));
        let Some(schema) = get.pointer_mut("/responses/200/content/application~1json/schema")
        else {
            continue;
        };
        if !takes_fields {
            continue;
        }
        for (name, _) in SPARSE {
            if schema["$ref"] == format!("#/components/schemas/{name}") {
                *schema = either(name);
            }
        }
    }
}

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
fn add_links(paths: &mut serde_json::Map<String, Value>) {
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
];

fn require_on_create(paths: &mut serde_json::Map<String, Value>) {
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

fn either(name: &str) -> Value {
    json!({"anyOf": [
        {"$ref": format!("#/components/schemas/{name}")},
        {"$ref": format!("#/components/schemas/{name}Fields")},
    ]})
}
