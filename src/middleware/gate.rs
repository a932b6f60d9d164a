//! The checks every request passes before any handler, in the documented order:
//!
//! 1. the method: a documented path with an undeclared method is a `405` with `Allow`;
//! 2. authentication: an operation that needs a bearer token answers `401` without one (or with a bad
//!    one) before any header, query or body is looked at;
//! 3. the query string: a GET parameter its operation does not declare is a `400`, and a write takes
//!    no query string at all (its target is the path, its data the body).
//!
//! Then come, in the handlers: the role (`403`), the body (`415`, `413`, `400`, `422`), the stored data
//! (`404`, `412` on a stale `If-Match`, `409`). The table is read from the OpenAPI document the server
//! is built from, so the spec and these checks cannot disagree.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::RefOr;

use crate::error::ApiError;
use crate::state::AppState;

/// What the gate knows of one documented operation.
struct Op {
    method: Method,
    /// Its security requirements name a bearer token and do not allow an anonymous call.
    needs_bearer: bool,
    /// The query parameters it declares.
    query: Vec<String>,
}

/// Every documented path with its operations, as the segments a path must have (matching each
/// pattern in turn with a regex was a tenth of serving an article by slug).
pub struct RouteTable(Vec<(Shape, Vec<Op>)>);

/// A documented path's segments: `None` for a `{parameter}`, which matches any non-empty segment
/// (as actix's `{name}` does), `Some` for a fixed one.
struct Shape(Vec<Option<String>>);

impl Shape {
    fn of(pattern: &str) -> Shape {
        Shape(
            pattern
                .split('/')
                .map(|seg| {
                    let dynamic = seg.starts_with('{') && seg.ends_with('}');
                    (!dynamic).then(|| seg.to_owned())
                })
                .collect(),
        )
    }

    fn matches(&self, path: &str) -> bool {
        let mut n = 0;
        for seg in path.split('/') {
            match self.0.get(n) {
                None => return false,
                Some(Some(fixed)) if fixed != seg => return false,
                Some(None) if seg.is_empty() => return false,
                _ => n += 1,
            }
        }
        n == self.0.len()
    }
}

impl RouteTable {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> RouteTable {
        let table = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let ops = [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PATCH, &item.patch),
                    (Method::PUT, &item.put),
                    (Method::DELETE, &item.delete),
                ]
                .into_iter()
                .filter_map(|(method, op)| op.as_ref().map(|op| describe(method, op)))
                .collect();
                (Shape::of(path), ops)
            })
            .collect();
        RouteTable(table)
    }

    fn find(&self, path: &str) -> Option<&[Op]> {
        self.0
            .iter()
            .find(|(shape, _)| shape.matches(path))
            .map(|(_, ops)| ops.as_slice())
    }
}

fn describe(method: Method, op: &Operation) -> Op {
    let needs_bearer = op.security.as_ref().is_some_and(|reqs| {
        !reqs.is_empty()
            && reqs.iter().all(|r| {
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_object().map(|o| o.contains_key("bearer")))
                    .unwrap_or(false)
            })
    });
    let query = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query) => Some(p.name.clone()),
            _ => None,
        })
        .collect();
    Op {
        method,
        needs_bearer,
        query,
    }
}

/// The allowed methods of a path, as an `Allow` header lists them (HEAD goes with GET).
fn allow(ops: &[Op]) -> String {
    let mut names: Vec<&str> = ops.iter().map(|o| o.method.as_str()).collect();
    if names.contains(&"GET") {
        names.push("HEAD");
    }
    names.join(", ")
}

/// The middleware; see the module documentation for the order of its checks.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match refusal(&req) {
        Some(res) => Ok(req.into_response(res).map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

fn refusal(req: &ServiceRequest) -> Option<actix_web::HttpResponse> {
    let table = req.app_data::<web::Data<RouteTable>>()?;
    let ops = table.find(req.path())?;
    let path = req.path();
    let Some(op) = ops.iter().find(|o| o.method == req.method()) else {
        let allow = allow(ops);
        let mut res = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            format!("{} is not allowed here; use {allow}", req.method()),
        )
        .response(Some(path));
        if let Ok(v) = header::HeaderValue::from_str(&allow) {
            res.headers_mut().insert(header::ALLOW, v);
        }
        return Some(res);
    };
    if op.needs_bearer {
        if let Some(e) = bearer_problem(req) {
            return Some(e.response(Some(path)));
        }
    }
    let qs = req.query_string();
    if qs.is_empty() {
        return None;
    }
    if op.method != Method::GET {
        let e = ApiError::bad_param("query", "writes take no query parameters");
        return Some(e.response(Some(path)));
    }
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(qs).ok()?;
    let (k, _) = pairs.iter().find(|(k, _)| !op.query.contains(k))?;
    Some(ApiError::bad_param(k, "unknown query parameter").response(Some(path)))
}

/// Why the request's bearer token does not authenticate it, if it does not (the signature, expiry and
/// claims; the account itself is checked by the `Caller` extractor).
fn bearer_problem(req: &ServiceRequest) -> Option<ApiError> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Some(ApiError::unauthorized(
            "this operation needs a bearer token: send Authorization: Bearer <token>",
        ));
    };
    let Some(token) = value.to_str().ok().and_then(crate::auth::bearer_token) else {
        return Some(ApiError::unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ));
    };
    state.jwt.verify(token).err()
}
