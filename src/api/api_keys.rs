//! `/v1/api-keys`: partner keys (admins). The secret is shown once, at creation; partners send it as
//! `X-Api-Key` and get their own rate limit.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::PageQuery as ListQuery;
use crate::api::common::{self, Checks, Listing, PageRequest};
use crate::auth::Caller;
use crate::db::api_keys::{self as q, ApiKeyRow};
use crate::db::write_tx;
use crate::domain::{utc, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The scopes a key may hold: `read` (the public content API).
pub const SCOPES: &[&str] = &["read"];

/// A partner key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: i64,
    #[schema(example = "Agence partenaire")]
    pub name: String,
    /// The first characters of the secret, to recognise it.
    #[schema(example = "kk_3Fh9aQ")]
    pub prefix: String,
    pub scopes: Vec<String>,
    pub rate_limit_per_minute: i32,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Send it as `X-Api-Key`. It is stored hashed and cannot be shown again.
    pub secret: String,
}

/// Key input.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// 1-100 characters.
    pub name: String,
    /// Default `["read"]`.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// 1-100000, default 600.
    #[serde(default, deserialize_with = "crate::api::common::whole_i32")]
    pub rate_limit_per_minute: Option<i32>,
}

fn to_out(k: ApiKeyRow) -> ApiKey {
    ApiKey {
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        scopes: k
            .scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        rate_limit_per_minute: k.rate_limit_per_minute,
        created_at: utc(k.created_at),
        last_used_at: k.last_used_at.map(utc),
        revoked_at: k.revoked_at.map(utc),
    }
}

/// List partner keys (admins), oldest first, revoked ones included. Secrets are never shown again.
#[utoipa::path(
    tag = "api-keys", operation_id = "list_api_keys", security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, description = "A page of keys, revoked ones included", body = ApiKeyList),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.page, query.per_page, query.cursor.as_deref(), "id")?;
    let p = page.clone();
    let listing = state
        .db
        .run(move |conn| {
            let total = q::count(conn)?;
            let (rows, next_cursor, has_next) = p.by_id(
                "id",
                |after, offset, limit| q::page(conn, after, offset, limit),
                |k| k.id,
            )?;
            let data = rows.into_iter().map(|k| common::raw(&to_out(k))).collect();
            Ok(Listing {
                data,
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(common::collection(&req, true, &page, listing))
}

crate::api::collection_schema!(ApiKeyList, ApiKey);

/// Create a partner key (admins); the answer holds the secret, once.
#[utoipa::path(
    tag = "api-keys", operation_id = "create_api_key", request_body = ApiKeyInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = ApiKeyCreated),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    input: crate::api::json::Json<ApiKeyInput>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let input = input.into_inner()?;
    let mut c = Checks::default();
    let name = c.text("name", &input.name, 1, 100);
    let scopes = input.scopes.unwrap_or_else(|| vec!["read".into()]);
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        c.fail("scopes", "invalid", format!("scopes are among {SCOPES:?}"));
    }
    let limit = input.rate_limit_per_minute.unwrap_or(600);
    if !(1..=100_000).contains(&limit) {
        c.fail("rate_limit_per_minute", "invalid", "from 1 to 100000");
    }
    c.finish()?;
    let (secret, _) = q::new_secret()?;
    let s2 = secret.clone();
    let key = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let id = q::insert(conn, &name, &s2, &scopes.join(","), limit, crate::db::now())?;
                let detail =
                    serde_json::json!({"name": name, "prefix": &s2[..10], "scopes": scopes});
                crate::db::audit::record(
                    conn,
                    Some(me),
                    "api_key.create",
                    &format!("api_key:{id}"),
                    detail,
                )?;
                q::find(conn, id)?.ok_or_else(|| ApiError::not_found("api key"))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/api-keys/{}", key.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(ApiKeyCreated {
            key: to_out(key),
            secret,
        }))
}

/// Revoke a partner key (admins): it stops working at once.
#[utoipa::path(
    tag = "api-keys", operation_id = "delete_api_key", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or already revoked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-keys/{id}")]
pub async fn delete_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let id: i64 = path
        .parse()
        .map_err(|_| ApiError::bad_param("id", "a numeric key id"))?;
    let n = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                let n = q::revoke(c, id, crate::db::now())?;
                if n > 0 {
                    crate::db::audit::record(
                        c,
                        Some(me),
                        "api_key.revoke",
                        &format!("api_key:{id}"),
                        serde_json::json!({}),
                    )?;
                }
                Ok(n)
            })
        })
        .await?;
    if n == 0 {
        return Err(ApiError::not_found("api key"));
    }
    Ok(HttpResponse::NoContent().finish())
}
