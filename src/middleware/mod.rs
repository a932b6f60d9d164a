//! The middlewares, outermost first as `startup` wraps them: HEAD as GET, the access log, CORS,
//! security headers, rate limits, the problem `instance`, the gate (method, authentication, query
//! string), idempotency, and the response cache.

pub mod gate;
pub mod idempotency;
pub mod rate_limit;
pub mod response_cache;

use actix_web::http::{header, Method};
use actix_web::web;

use crate::error::ApiError;
use crate::state::AppState;

/// The request's id: the caller's `X-Request-Id` when it is 1 to 64 characters of `[A-Za-z0-9._-]`
/// (a proxy's, so one id follows a request across services), a new random one otherwise. Every log
/// line written while serving the request is in its span, and the answer echoes it in `X-Request-Id`.
pub async fn request_id(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use tracing::Instrument;
    let given = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map(str::to_owned);
    let id = given.unwrap_or_else(new_request_id);
    let span = tracing::info_span!("request", request_id = %id);
    let mut res = next.call(req).instrument(span).await?;
    if let Ok(value) = header::HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// The `X-Request-Id` header.
pub const REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// 16 random hex digits.
fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    // Without randomness an id is still useful to read logs by; the time makes it distinct enough.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One log line per request (target `kiosque::http`; `RUST_LOG=kiosque::http=warn` silences it).
pub async fn access_log(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let start = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    let micros = start.elapsed().as_micros() as u64;
    if let Some(state) = res.request().app_data::<web::Data<AppState>>() {
        state.metrics.observe(method.as_str(), status, micros);
    }
    if status >= 500 {
        tracing::error!(target: "kiosque::http", %method, %path, status, micros, "request");
    } else {
        tracing::info!(target: "kiosque::http", %method, %path, status, micros, "request");
    }
    Ok(res)
}

/// CORS for the configured origins only (no credentials: tokens travel in headers, never cookies).
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::LAST_MODIFIED,
            header::HeaderName::from_static("x-total-count"),
            REQUEST_ID,
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(3600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}

/// Security headers on every response; a content policy that forbids everything but on the docs page.
pub async fn security_headers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let docs = req.path().starts_with("/docs");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    if !docs {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    Ok(res)
}

/// Answers HEAD like GET (the server sends the headers without the body).
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Gives handler errors their `instance` (the request path): only error responses are rebuilt.
pub async fn problem_instance(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let rebuilt = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|api| api.response(Some(res.request().path())));
    Ok(match rebuilt {
        Some(new) => res.into_response(new),
        None => res.map_into_boxed_body(),
    })
}
