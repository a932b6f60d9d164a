//! Shaping answers: items serialised once, sparse fieldsets, ETags and `If-Match`, the caching
//! headers of a read, and the answer to a write.

use std::collections::HashSet;

use actix_web::http::header::{self, HttpDate};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

/// The `Cache-Control` of a public answer: shared caches may keep it a minute, and so may each
/// process (the response cache middleware keeps exactly the answers that carry this value).
pub const PUBLIC_CACHE: &str = "public, max-age=60, stale-while-revalidate=300";
/// The `Cache-Control` of an answer for one caller (staff, or a write): kept by nobody.
pub const PRIVATE_CACHE: &str = "private, no-store";

/// A JSON value the server stored itself, read back: one that no longer parses is a fault, answered
/// with a logged 500, never replaced by a default.
pub fn stored_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> Result<T, ApiError> {
    serde_json::from_str(raw).map_err(|e| {
        ApiError::internal(anyhow::anyhow!("the stored {what} is not valid JSON: {e}"))
    })
}

/// An item already serialised (a page's items are written once, not through `Value` maps).
pub type Raw = Box<serde_json::value::RawValue>;

/// `v` serialised.
pub fn raw<T: Serialize + ?Sized>(v: &T) -> Raw {
    serde_json::value::to_raw_value(v).unwrap_or_else(|_| {
        serde_json::value::RawValue::from_string("null".to_owned()).expect("null is JSON")
    })
}

/// Items built as values, serialised.
pub fn raw_all(values: Vec<Value>) -> Vec<Raw> {
    values.iter().map(raw).collect()
}

/// A strong ETag from a response body (the same on every instance for the same content).
///
/// 96 bits of XXH3-128: a validator needs no resistance to forgery (a client can only fool itself),
/// only to chance, and XXH3 reads a body about ten times as fast as SHA-256 did (3-4 % of a list
/// page's CPU).
pub fn body_etag(body: &str) -> String {
    let digest = xxhash_rust::xxh3::xxh3_128(body.as_bytes()).to_be_bytes();
    let mut out = String::with_capacity(26);
    out.push('"');
    for b in &digest[..12] {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
    }
    out.push('"');
    out
}

/// A strong ETag from a resource's kind, id and version (what `If-Match` is checked against).
pub fn version_etag(kind: char, id: i64, version: i64) -> String {
    format!("\"{kind}{id}-v{version}\"")
}

/// The ETag of one representation of a version: the version's ETag extended with a hash of the body,
/// so that counts, `fields` or `formats` change it while `If-Match` still recognises the version.
pub fn variant_etag(version_tag: &str, body: &str) -> String {
    let hash = body_etag(body);
    format!("{}-{}\"", version_tag.trim_end_matches('"'), &hash[1..9])
}

/// Checks `If-Match` against the current ETag: 412 when it is given and matches nothing.
pub fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), ApiError> {
    let Some(raw) = if_match else { return Ok(()) };
    // A representation variant of this version (`"a1-v3-…"`, see `variant_etag`) matches too.
    let variant_prefix = format!("{}-", current.trim_end_matches('"'));
    let matches = raw
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == current || t.starts_with(&variant_prefix));
    if matches {
        Ok(())
    } else {
        Err(ApiError::precondition_failed())
    }
}

/// The `If-Match` header, read before the request goes to a blocking thread (a non-ASCII value
/// matches nothing).
pub fn if_match(req: &HttpRequest) -> Option<String> {
    let values: Vec<&str> = req
        .headers()
        .get_all(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}"))
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// A JSON 200 with ETag, Cache-Control and conditional-GET handling (304).
pub fn cached(
    req: &HttpRequest,
    private: bool,
    body: String,
    etag: String,
    last_modified: Option<NaiveDateTime>,
    extra: impl FnOnce(&mut actix_web::HttpResponseBuilder),
) -> HttpResponse {
    let cache = if private { PRIVATE_CACHE } else { PUBLIC_CACHE };
    let lm =
        last_modified.map(|t| HttpDate::from(std::time::SystemTime::from(crate::domain::utc(t))));
    let not_modified = match req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(inm) => inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag),
        None => match (
            lm,
            req.headers()
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<HttpDate>().ok()),
        ) {
            (Some(lm), Some(since)) => {
                std::time::SystemTime::from(lm) <= std::time::SystemTime::from(since)
            }
            _ => false,
        },
    };
    let mut res = HttpResponse::build(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    res.insert_header((header::ETAG, etag));
    res.insert_header((header::CACHE_CONTROL, cache));
    res.insert_header((header::VARY, "Authorization"));
    if let Some(lm) = lm {
        res.insert_header((header::LAST_MODIFIED, lm));
    }
    if not_modified {
        extra(&mut res);
        res.finish()
    } else {
        // JSON unless `extra` says otherwise (feeds and sitemaps).
        res.content_type("application/json");
        extra(&mut res);
        res.body(body)
    }
}

/// A page's items serialised, with `fields` applied to each.
pub fn shaped<T: Serialize>(
    items: impl IntoIterator<Item = T>,
    fields: &Option<HashSet<String>>,
) -> Result<Vec<Raw>, ApiError> {
    items
        .into_iter()
        .map(|item| {
            Ok(match fields {
                None => raw(&item),
                Some(f) => {
                    let value =
                        serde_json::to_value(item).map_err(|e| ApiError::internal(e.into()))?;
                    raw(&keep_fields(value, f))
                }
            })
        })
        .collect()
}

/// Keeps only the given fields of a JSON object.
pub fn keep_fields(mut v: Value, fields: &HashSet<String>) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|k, _| fields.contains(k));
    }
    v
}

/// A single resource as a cached JSON response, with `fields` applied.
pub fn single<T: Serialize>(
    req: &HttpRequest,
    private: bool,
    value: &T,
    fields: &Option<HashSet<String>>,
    etag: String,
    last_modified: Option<NaiveDateTime>,
) -> HttpResponse {
    // Straight into the body unless `fields` picks from it (no `Value` tree: building and printing
    // one was 14 % of a random slug's CPU). The same bytes either way: the map keeps the order.
    let body = match fields {
        None => serde_json::to_string(value).unwrap_or_default(),
        Some(f) => keep_fields(serde_json::to_value(value).unwrap_or_default(), f).to_string(),
    };
    let etag = variant_etag(&etag, &body);
    cached(req, private, body, etag, last_modified, |_| {})
}

/// The answer to a write: 201 with `Location` or 200, the ETag, never cached.
pub fn written<T: Serialize>(value: &T, etag: String, location: Option<String>) -> HttpResponse {
    let mut res = match &location {
        Some(_) => HttpResponse::Created(),
        None => HttpResponse::Ok(),
    };
    if let Some(l) = location {
        res.insert_header((header::LOCATION, l));
    }
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, PRIVATE_CACHE))
        .json(value)
}
