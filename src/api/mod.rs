//! The HTTP API: one module per resource, the route table, and the OpenAPI document built from it.

/// Declares the OpenAPI schema of a collection page of `$item` (the handlers build the JSON themselves).
macro_rules! collection_schema {
    ($name:ident, $item:ty) => {
        /// A page of a collection: `data`, `meta` and `links` (also in the `Link` header).
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            pub data: Vec<$item>,
            pub meta: $crate::api::common::Meta,
            pub links: $crate::api::common::Links,
        }
    };
}
pub(crate) use collection_schema;

pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod authors;
pub mod changes;
pub mod common;
pub mod contract;
pub mod feeds;
pub mod health;
pub mod json;
pub mod named;
pub mod paging;
pub mod redirects;
pub mod respond;
pub mod routes;
pub mod rubriques;
pub mod tags;
pub mod users;
pub mod webhooks;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A staff access token from `POST /v1/auth/token`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "partner_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A partner key from `POST /v1/api-keys`: public reads under the key's own rate limit.",
            ))),
        );
    }
}

/// The document's fixed parts; paths and schemas are collected from the routes themselves.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kiosque",
        description = include_str!("openapi_description.md"),
        license(name = "MIT")
    ),
    modifiers(&BearerScheme),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    tags(
        (name = "articles", description = "News articles, their listing and their related articles"),
        (name = "rubriques", description = "Sections of the newspaper, a tree"),
        (name = "authors", description = "Public bylines"),
        (name = "tags", description = "Tags"),
        (name = "auth", description = "Staff log-in and identity"),
        (name = "users", description = "Staff accounts (admins)"),
        (name = "api-keys", description = "Partner keys (admins); partners send `X-Api-Key`"),
        (name = "webhooks", description = "Endpoints that receive each change as a signed POST (admins), and their deliveries"),
        (name = "changes", description = "The changes feed: what a mirror of the public site applies to stay equal to it, in commit order"),
        (name = "redirects", description = "Old URLs of a site moved onto kiosque (`kiosque import wordpress`) and where their content lives now"),
        (name = "feeds", description = "RSS, Atom and JSON Feed of the latest articles; sitemaps"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// Documents the answers every operation can give, so that no client meets an undocumented status:
/// 400 (a malformed parameter or query string), 401 (a bearer token that is invalid), 503 (the database
/// busy; `Retry-After`), and on operations with a body 413, 415 and 422.
pub fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let int_header = |description: &str| {
        HeaderBuilder::new()
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer),
            ))
            .description(Some(description))
            .build()
    };
    let mut too_many = problem(
        "Over the rate limit of this client address, staff user or partner key. Every limited response \
         carries the RateLimit-* headers.",
    );
    for (name, description) in [
        ("Retry-After", "Seconds to wait"),
        ("RateLimit-Limit", "Requests allowed per minute"),
        ("RateLimit-Remaining", "Requests left in this minute"),
        ("RateLimit-Reset", "Seconds until the window resets"),
    ] {
        too_many
            .headers
            .insert(name.to_owned(), int_header(description).into());
    }
    for item in doc.paths.paths.values_mut() {
        if let Some(post) = item.post.as_mut() {
            let param = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(utoipa::openapi::Required::False)
                .description(Some(
                    "1 to 255 visible ASCII characters. The first successful answer is replayed for the same key and \
                     body for 24 hours (with `Idempotent-Replayed: true`); another body with the same key is a 409.",
                ))
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .pattern(Some("^[!-~]{1,255}$")),
                ))
                .build();
            post.parameters
                .get_or_insert_with(Vec::new)
                .push(param.into());
            post.responses
                .responses
                .entry("409".to_owned())
                .or_insert_with(|| {
                    problem("A request with this Idempotency-Key is still running, or the key was used with another request").into()
                });
        }
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.put,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let mut common = vec![
                ("400", "Malformed parameter, query string or body"),
                (
                    "401",
                    "A bearer token was sent and is invalid or expired, or one is required",
                ),
                (
                    "503",
                    "The database is busy or unreachable; retry after `Retry-After` seconds",
                ),
            ];
            if op.request_body.is_some() {
                common.push(("413", "The body is larger than 1 MiB"));
                common.push(("415", "The body is not application/json"));
                common.push((
                    "422",
                    "The body is JSON of the wrong shape: unknown, missing or invalid fields",
                ));
            }
            for (status, description) in common {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description).into());
            }
            op.responses
                .responses
                .entry("429".to_owned())
                .or_insert_with(|| too_many.clone().into());
        }
    }
}
