//! `/v1/webhooks`: endpoints that receive each change as a signed `POST` (admins), and their
//! deliveries.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::PageQuery as ListQuery;
use crate::api::common::{self, Checks, Listing, PageRequest, Patch};
use crate::auth::Caller;
use crate::db::webhooks::{self as q, DeliveryRow, WebhookRow, EVENTS};
use crate::db::write_tx;
use crate::domain::{utc, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A webhook endpoint, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    /// Where changes are posted (http or https).
    #[schema(example = "https://partenaire.example/kiosque/hooks")]
    pub url: String,
    /// Among `article.published`, `article.updated`, `article.unpublished`, `article.deleted`.
    pub events: Vec<String>,
    /// Whether deliveries are made. Switched off by the server after repeated failure (see
    /// `disabled_reason`); switching it on again forgets the failures.
    pub active: bool,
    /// Failed attempts in a row.
    pub failures: i32,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new webhook with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The key of each delivery's `Kiosque-Signature` (HMAC-SHA256). It cannot be shown again.
    #[schema(example = "whsec_5mJ8cQe3Zr…")]
    pub secret: String,
}

/// Webhook input: `url` and `events` required on creation; on `PATCH`, absent fields are kept.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// An http or https URL, at most 2000 characters, without credentials.
    #[serde(default)]
    #[schema(value_type = String, required = false, example = "https://partenaire.example/kiosque/hooks")]
    pub url: Patch<String>,
    /// One or more of `article.published`, `article.updated`, `article.unpublished`,
    /// `article.deleted`.
    #[serde(default)]
    #[schema(value_type = Vec<String>, required = false, min_items = 1)]
    pub events: Patch<Vec<String>>,
    /// Default `true`.
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub active: Patch<bool>,
}

/// The input's values, a null refused (no field of a webhook may be emptied).
fn values(
    input: WebhookInput,
    c: &mut Checks,
) -> (Option<String>, Option<Vec<String>>, Option<bool>) {
    let mut errs = std::mem::take(&mut c.0);
    let url = input.url.required("url", &mut errs);
    // Each event once, in the order given.
    let events = input.events.required("events", &mut errs).map(|mut e| {
        let mut seen = std::collections::HashSet::new();
        e.retain(|x| seen.insert(x.clone()));
        e
    });
    let active = input.active.required("active", &mut errs);
    c.0 = errs;
    (url, events, active)
}

/// One delivery of one change to one webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The event's id, as its body's `id` gives it (`evt_…`): the same for every webhook, and for
    /// every attempt, so that a receiver can drop a delivery it has already had.
    #[schema(example = "evt_42")]
    pub event_id: String,
    #[schema(example = "article.published")]
    pub event: String,
    /// `pending` (to send, or to retry), `delivered` or `failed` (given up after a day, or the
    /// webhook was switched off).
    #[schema(example = "delivered")]
    pub status: String,
    pub attempts: i32,
    /// The next attempt, while `pending`.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The status the endpoint answered last.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

fn to_out(w: WebhookRow) -> Webhook {
    Webhook {
        id: w.id,
        events: w.event_list(),
        url: w.url,
        active: w.active,
        failures: w.failures,
        disabled_reason: w.disabled_reason,
        version: w.version,
        created_at: utc(w.created_at),
        updated_at: utc(w.updated_at),
    }
}

fn delivery_out(d: DeliveryRow) -> Delivery {
    Delivery {
        id: d.id,
        event_id: format!("evt_{}", d.change_id),
        event: d.event,
        next_attempt_at: (d.status == q::PENDING).then(|| utc(d.next_attempt_at)),
        status: d.status,
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        created_at: utc(d.created_at),
        delivered_at: d.delivered_at.map(utc),
    }
}

/// The checks of a webhook's URL and events. An address written as an IP must be public unless
/// `KIOSQUE_WEBHOOK_ALLOW_PRIVATE`; names are checked when resolved, at each delivery.
fn check(c: &mut Checks, url: &str, events: &[String], allow_private: bool) {
    c.url("url", url);
    let authority = url
        .split_once("://")
        .map(|(_, r)| r.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if authority.contains('@') {
        c.fail("url", "invalid", "a webhook URL carries no credentials");
    }
    let (name, port) = match authority.rsplit_once(':') {
        Some((h, _)) if !h.ends_with(']') && h.contains(':') => (authority, None),
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if name.trim_matches(['[', ']']).is_empty() {
        c.fail("url", "invalid", "a webhook URL names a host");
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        c.fail("url", "invalid", "a port is 1 to 65535");
    }
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.trim_start_matches('[').split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or(host)
    };
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        if let Some(why) = crate::domain::address::fenced(ip, allow_private) {
            c.fail("url", "not_public", format!("{ip} is {why}"));
        }
    }
    if !allow_private && (host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost")) {
        c.fail("url", "not_public", "localhost is a loopback address");
    }
    if events.is_empty() {
        c.fail("events", "required", "at least one event");
    }
    for (i, e) in events.iter().enumerate() {
        if !EVENTS.contains(&e.as_str()) {
            c.fail(
                &format!("events[{i}]"),
                "invalid",
                format!("one of {}", EVENTS.join(", ")),
            );
        }
    }
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad_param("id", "a numeric webhook id"))
}

/// List webhooks (admins), oldest first. Secrets are never shown again.
#[utoipa::path(
    tag = "webhooks", operation_id = "list_webhooks", security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, description = "A page of webhooks", body = WebhookList),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
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
                |after, offset, limit| q::list(conn, after, offset, limit),
                |w| w.id,
            )?;
            let data = rows.into_iter().map(|w| common::raw(&to_out(w))).collect();
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

crate::api::collection_schema!(WebhookList, Webhook);
crate::api::collection_schema!(DeliveryList, Delivery);

/// Register a webhook (admins). Each change of the events it names is then posted to `url` as
/// JSON (`{id, type, created_at, data: {kind, article_id, slug, article}}`), signed in
/// `Kiosque-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` with the secret shown in this
/// answer only.
#[utoipa::path(
    tag = "webhooks", operation_id = "create_webhook", request_body = WebhookInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered; `secret` is shown this once", body = WebhookCreated),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: not an http(s) URL, a private address, an unknown event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    input: crate::api::json::Json<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let input = input.into_inner()?;
    let mut c = Checks::default();
    let (url, events, active) = values(input, &mut c);
    let url = url.unwrap_or_else(|| {
        c.fail("url", "required", "url is required");
        String::new()
    });
    let events = events.unwrap_or_default();
    check(&mut c, &url, &events, state.config.webhooks.allow_private);
    c.finish()?;
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw).map_err(|e| ApiError::internal(anyhow::anyhow!("random: {e}")))?;
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    );
    let s2 = secret.clone();
    let active = active.unwrap_or(true);
    let hook = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let id = q::insert(conn, &url, &events, &s2, active, crate::db::now())?;
                crate::db::audit::record(
                    conn,
                    Some(me),
                    "webhook.create",
                    &format!("webhook:{id}"),
                    serde_json::json!({"url": url, "events": events}),
                )?;
                q::find(conn, id)?.ok_or_else(|| ApiError::not_found("webhook"))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/webhooks/{}", hook.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(WebhookCreated {
            webhook: to_out(hook),
            secret,
        }))
}

/// One webhook (admins).
#[utoipa::path(
    tag = "webhooks", operation_id = "find_webhook", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn find_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = id_of(&path)?;
    let hook = state
        .db
        .run(move |conn| q::find(conn, id)?.ok_or_else(|| ApiError::not_found("webhook")))
        .await?;
    let etag = common::version_etag('w', hook.id, hook.version);
    Ok(common::single(&req, true, &to_out(hook), &None, etag, None))
}

/// Change a webhook (admins): `url`, `events`, `active` (absent ones are kept). Switching it on
/// again forgets its failures.
#[utoipa::path(
    tag = "webhooks", operation_id = "update_webhook", request_body = WebhookInput, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Changed", body = Webhook),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    input: crate::api::json::Json<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let id = id_of(&path)?;
    let input = input.into_inner()?;
    let allow_private = state.config.webhooks.allow_private;
    let hook = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let cur = q::find(conn, id)?.ok_or_else(|| ApiError::not_found("webhook"))?;
                let mut c = Checks::default();
                let (url, events, active) = values(input, &mut c);
                let url = url.unwrap_or(cur.url.clone());
                let events = events.unwrap_or_else(|| cur.event_list());
                check(&mut c, &url, &events, allow_private);
                c.finish()?;
                q::update(
                    conn,
                    id,
                    &url,
                    &events,
                    active.unwrap_or(cur.active),
                    crate::db::now(),
                )?;
                crate::db::audit::record(
                    conn,
                    Some(me),
                    "webhook.update",
                    &format!("webhook:{id}"),
                    serde_json::json!({"url": url, "events": events}),
                )?;
                q::find(conn, id)?.ok_or_else(|| ApiError::not_found("webhook"))
            })
        })
        .await?;
    let etag = common::version_etag('w', hook.id, hook.version);
    Ok(common::written(&to_out(hook), etag, None))
}

/// Delete a webhook (admins), with its deliveries.
#[utoipa::path(
    tag = "webhooks", operation_id = "delete_webhook", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let id = id_of(&path)?;
    state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                if q::delete(c, id)? == 0 {
                    return Err(ApiError::not_found("webhook"));
                }
                crate::db::audit::record(
                    c,
                    Some(me),
                    "webhook.delete",
                    &format!("webhook:{id}"),
                    serde_json::json!({}),
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A webhook's deliveries, newest first (admins): status, attempts, the last answer or error.
#[utoipa::path(
    tag = "webhooks", operation_id = "list_webhook_deliveries", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id"), ListQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryList),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown webhook", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = id_of(&path)?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.page, query.per_page, query.cursor.as_deref(), "-id")?;
    let p = page.clone();
    let listing = state
        .db
        .run(move |conn| {
            q::find(conn, id)?.ok_or_else(|| ApiError::not_found("webhook"))?;
            let total = q::count_deliveries(conn, id)?;
            let (rows, next_cursor, has_next) = p.by_id(
                "-id",
                |before, offset, limit| q::deliveries(conn, id, before, offset, limit),
                |d| d.id,
            )?;
            let data = rows
                .into_iter()
                .map(|d| common::raw(&delivery_out(d)))
                .collect();
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

/// Send a delivery again, now (admins), whatever became of it: after an endpoint was mended, or
/// for a receiver that lost it.
#[utoipa::path(
    tag = "webhooks", operation_id = "replay_webhook_delivery", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Queued to be sent again", body = Delivery),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown webhook or delivery", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay_webhook_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let (raw, raw_delivery) = path.into_inner();
    let id = id_of(&raw)?;
    let delivery: i64 = raw_delivery
        .parse()
        .map_err(|_| ApiError::bad_param("delivery_id", "a numeric delivery id"))?;
    let d = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                if !q::replay(c, id, delivery, crate::db::now())? {
                    return Err(ApiError::not_found("delivery"));
                }
                q::deliveries(c, id, Some(delivery + 1), 0, 1)?
                    .pop()
                    .ok_or_else(|| ApiError::not_found("delivery"))
            })
        })
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Cache-Control", "no-store"))
        .json(delivery_out(d)))
}
