//! One error type: an explicit status per case, one RFC 9457 problem+json body, 500s logged and never leaked.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One field-level problem in a 400 or 422.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The input field (`title`, `authors[1]`, `per_page`…).
    #[schema(example = "title")]
    pub field: String,
    /// A stable machine-readable code.
    #[schema(example = "required")]
    pub code: String,
    /// A human-readable explanation.
    #[schema(example = "title is required")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document, sent as `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem (`/problems/validation`, `/problems/not-found`…).
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub type_: String,
    #[schema(example = "Unprocessable Content")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "the request body has invalid fields")]
    pub detail: String,
    /// The request path this problem is about.
    #[schema(example = "/v1/articles")]
    pub instance: Option<String>,
    /// Field-level details (empty when the problem is not about fields).
    pub errors: Vec<FieldError>,
}

/// What went wrong, with the status it maps to.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
    /// The limit that refused the request (429 only).
    pub rate: Option<crate::ratelimit::Decision>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            rate: None,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }
    /// A 400 about one query or path parameter.
    pub fn bad_param(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::bad_request(format!("invalid parameter {field}: {message}"));
        e.errors.push(FieldError::new(field, "invalid", message));
        e
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{what} not found"),
        )
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", detail)
    }
    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "If-Match does not match the current version of this resource",
        )
    }
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", detail)
        }
    }
    /// A 422 about one field.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }
    /// 429, with `Retry-After` and the `RateLimit-*` figures.
    pub fn too_many(d: crate::ratelimit::Decision) -> Self {
        ApiError {
            retry_after: Some(d.reset.max(1)),
            rate: Some(d),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!(
                    "more than {} requests a minute; retry in {} s",
                    d.limit,
                    d.reset.max(1)
                ),
            )
        }
    }
    pub fn unavailable() -> Self {
        ApiError {
            retry_after: Some(2),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is busy or unreachable; retry shortly",
            )
        }
    }
    /// An unexpected failure: the cause chain goes to the log, the client sees a generic 500.
    pub fn internal(err: anyhow::Error) -> Self {
        tracing::error!(error = format!("{err:#}"), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an unexpected error occurred; it has been logged",
        )
    }

    pub fn problem(&self, instance: Option<String>) -> Problem {
        Problem {
            type_: format!("/problems/{}", self.kind),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            instance,
            errors: self.errors.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.response(None)
    }
}

impl ApiError {
    /// The problem+json response, naming the request path as `instance` when known.
    pub fn response(&self, instance: Option<&str>) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type("application/problem+json");
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(d) = self.rate {
            for (name, value) in rate_limit_values(d) {
                res.insert_header((name, value));
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.body(
            serde_json::to_string(&self.problem(instance.map(str::to_owned))).unwrap_or_default(),
        )
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::internal(e)
    }
}

fn rate_limit_values(d: crate::ratelimit::Decision) -> [(&'static str, String); 3] {
    [
        ("RateLimit-Limit", d.limit.to_string()),
        ("RateLimit-Remaining", d.remaining.to_string()),
        ("RateLimit-Reset", d.reset.to_string()),
    ]
}

/// Adds the `RateLimit-*` headers of a decision to a response.
pub fn rate_limit_headers(
    h: &mut actix_web::http::header::HeaderMap,
    d: crate::ratelimit::Decision,
) {
    for (name, value) in rate_limit_values(d) {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&value) {
            h.insert(
                actix_web::http::header::HeaderName::from_static(name_lower(name)),
                v,
            );
        }
    }
}

fn name_lower(name: &'static str) -> &'static str {
    match name {
        "RateLimit-Limit" => "ratelimit-limit",
        "RateLimit-Remaining" => "ratelimit-remaining",
        _ => "ratelimit-reset",
    }
}
