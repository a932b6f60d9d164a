//! The query parameters' exact rules, written into the OpenAPI document from the same constants the
//! handlers check against, so that a generated client or a fuzzer sends only what the server accepts:
//! enums for the closed sets, patterns for the comma lists, bounds for the numbers.
//!
//! Empty values: `sort=`, `strategy=`, `formats=`, `fields=` and `cursor=` mean "not given" (the
//! default); the document says so with `allowEmptyValue`.

mod body;
mod links;

use body::{body_rules, slug_char_class, slug_schema, SLUG_CHARACTER};
use links::{add_links, require_on_create};
use serde_json::{json, Value};
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
        "/v1/articles" | "/v1/articles/{key}" | "/v1/changes" => article.to_vec(),
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
        ("/v1/changes", "limit") => (integer(1, super::changes::MAX_LIMIT), false),
        (_, "limit") => (integer(1, super::articles::related::MAX_LIMIT), false),
        (_, "cursor") => (string(), true),
        // Opaque, as a cursor; empty is "from the beginning".
        ("/v1/changes", "since") => (string(), true),
        // Empty is "not given" (the list).
        ("/v1/redirects", "path") => (
            string().max_length(Some(crate::domain::old_url::MAX_LEN)),
            true,
        ),
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
// Bodies and responses, written on the serialised document (rules in [`body`], links in [`links`]).

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
    // A change carries the article whole, or as `fields` asked, or nothing (a tombstone).
    if let Some(article) = schemas
        .get_mut("Change")
        .and_then(|c| c.pointer_mut("/properties/article"))
    {
        let description = article["oneOf"][0]["description"].clone();
        *article = json!({
            "description": description,
            "anyOf": [
                {"$ref": "#/components/schemas/Article"},
                {"$ref": "#/components/schemas/ArticleFields"},
                {"type": "null"},
            ],
        });
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

fn either(name: &str) -> Value {
    json!({"anyOf": [
        {"$ref": format!("#/components/schemas/{name}")},
        {"$ref": format!("#/components/schemas/{name}Fields")},
    ]})
}
