//! What every resource shares: pagination, the collection envelope and its links, caching headers,
//! sparse fieldsets, and the input helpers.

use std::collections::HashSet;

use actix_web::http::header::{self, HttpDate};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::cursor::Cursor;
use crate::domain::Key;
use crate::error::ApiError;

// The input primitives live in the content layer; handlers keep naming them from here.
pub use crate::content::input::{unique_slug, whole_i32, whole_i32_patch, Checks, KeyRef, Patch};

pub const MAX_PER_PAGE: i64 = 100;
/// The deepest page number accepted (deeper pages are reached by cursor).
pub const MAX_PAGE: i64 = 1_000_000;
/// The longest value of one item of a comma-separated filter, and of a path's `{key}`, in characters.
pub const MAX_ITEM_CHARS: usize = 200;
/// The most values of a `rubrique`, `author` or `tag` filter.
pub const MAX_FILTER_VALUES: usize = 20;
/// The most values of `exclude`.
pub const MAX_EXCLUDE_VALUES: usize = 100;
pub use crate::middleware::response_cache::{PRIVATE_CACHE, PUBLIC_CACHE};

/// The query of a listing that takes only pagination (accounts, partner keys).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
}

/// A validated page request: a page number or a keyset cursor, and a size.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub page: Option<i64>,
    pub per_page: i64,
    pub cursor: Option<Cursor>,
}

impl PageRequest {
    pub fn parse(
        page: Option<i64>,
        per_page: Option<i64>,
        cursor: Option<&str>,
        sort: &str,
    ) -> Result<PageRequest, ApiError> {
        let per_page = per_page.unwrap_or(20);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::bad_param("per_page", "must be between 1 and 100"));
        }
        if let Some(p) = page {
            if !(1..=MAX_PAGE).contains(&p) {
                return Err(ApiError::bad_param("page", "must be between 1 and 1000000"));
            }
        }
        // A cursor wins over a page number (a client that keeps `page` in its query while following
        // `next_cursor` gets the next page, not an error); an empty `cursor=` is no cursor.
        let cursor = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => Some(Cursor::decode(raw, sort).ok_or_else(|| {
                ApiError::bad_param("cursor", "malformed, or made for another sort")
            })?),
        };
        Ok(PageRequest {
            page: if cursor.is_some() {
                None
            } else {
                Some(page.unwrap_or(1))
            },
            per_page,
            cursor,
        })
    }

    pub fn offset(&self) -> i64 {
        (self.page.unwrap_or(1) - 1) * self.per_page
    }

    /// One page of a listing ordered by id (`sort` is `id` or `-id`, as the cursor was made for):
    /// `read(past, offset, limit)` reads up to `limit` rows after (or, descending, before) the id
    /// `past` from a cursor, or from `offset` on a numbered page. One row more than the page is
    /// asked for, to know whether another page follows; the next cursor keys on the last row's id.
    pub fn by_id<R>(
        &self,
        sort: &str,
        read: impl FnOnce(Option<i64>, i64, i64) -> diesel::QueryResult<Vec<R>>,
        id_of: impl Fn(&R) -> i64,
    ) -> Result<(Vec<R>, Option<String>, bool), ApiError> {
        let (past, offset) = match &self.cursor {
            Some(c) => (Some(c.id), 0),
            None => (None, self.offset()),
        };
        let mut rows = read(past, offset, self.per_page + 1)?;
        let has_next = rows.len() as i64 > self.per_page;
        rows.truncate(self.per_page as usize);
        let next_cursor = rows.last().filter(|_| has_next).map(|r| {
            Cursor {
                sort: sort.to_owned(),
                value: String::new(),
                id: id_of(r),
            }
            .encode()
        });
        Ok((rows, next_cursor, has_next))
    }
}

/// `meta` of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    /// The page number; null when the page was reached by cursor.
    #[schema(example = 1)]
    pub page: Option<i64>,
    #[schema(example = 20)]
    pub per_page: i64,
    /// How many items match, over all pages.
    #[schema(example = 57)]
    pub total: i64,
    #[schema(example = 3)]
    pub total_pages: i64,
    /// Pass as `cursor` for the next page (keyset: stable under concurrent inserts); null on the last page.
    pub next_cursor: Option<String>,
}

/// `links` of a collection: paths relative to the API root, also sent in the `Link` header.
#[derive(Debug, Serialize, ToSchema)]
pub struct Links {
    #[serde(rename = "self")]
    #[schema(example = "/v1/articles?page=1&per_page=20")]
    pub self_: String,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub first: String,
    pub last: Option<String>,
}

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

/// A collection response's body.
#[derive(Serialize)]
struct Page<'a> {
    data: &'a [Raw],
    meta: Meta,
    links: Links,
}

/// One page of a listing, before it becomes a response.
pub struct Listing {
    pub data: Vec<Raw>,
    pub total: i64,
    pub next_cursor: Option<String>,
    pub has_next: bool,
}

/// The request's query pairs without the pagination ones.
fn base_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "page" && k != "cursor" && k != "per_page")
        .collect()
}

fn link(path: &str, pairs: &[(String, String)], extra: &[(&str, String)]) -> String {
    let mut all: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    all.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(&all).unwrap_or_default()
    )
}

/// The collection envelope with its `Link` header, `X-Total-Count` and caching headers.
pub fn collection(
    req: &HttpRequest,
    private: bool,
    p: &PageRequest,
    listing: Listing,
) -> HttpResponse {
    let path = req.path();
    let pairs = base_pairs(req);
    let pp = ("per_page", p.per_page.to_string());
    let total_pages = ((listing.total + p.per_page - 1) / p.per_page).max(1);
    let first = link(path, &pairs, &[("page", "1".into()), pp.clone()]);
    let (self_, next, prev, last) = match p.page {
        Some(page) => (
            link(path, &pairs, &[("page", page.to_string()), pp.clone()]),
            listing.has_next.then(|| {
                link(
                    path,
                    &pairs,
                    &[("page", (page + 1).to_string()), pp.clone()],
                )
            }),
            (page > 1).then(|| {
                link(
                    path,
                    &pairs,
                    &[("page", (page - 1).to_string()), pp.clone()],
                )
            }),
            Some(link(
                path,
                &pairs,
                &[("page", total_pages.to_string()), pp.clone()],
            )),
        ),
        None => {
            let current = p.cursor.as_ref().map(|c| c.encode()).unwrap_or_default();
            (
                link(path, &pairs, &[("cursor", current), pp.clone()]),
                listing
                    .next_cursor
                    .clone()
                    .map(|c| link(path, &pairs, &[("cursor", c), pp.clone()])),
                None,
                None,
            )
        }
    };
    let mut link_header = vec![
        format!("<{self_}>; rel=\"self\""),
        format!("<{first}>; rel=\"first\""),
    ];
    for (rel, l) in [("next", &next), ("prev", &prev), ("last", &last)] {
        if let Some(l) = l {
            link_header.push(format!("<{l}>; rel=\"{rel}\""));
        }
    }
    let body = serde_json::to_string(&Page {
        data: &listing.data,
        meta: Meta {
            page: p.page,
            per_page: p.per_page,
            total: listing.total,
            total_pages,
            next_cursor: listing.next_cursor,
        },
        links: Links {
            self_,
            next,
            prev,
            first,
            last,
        },
    })
    .unwrap_or_default();
    let etag = body_etag(&body);
    cached(req, private, body, etag, None, |res| {
        res.insert_header((header::LINK, link_header.join(", ")));
        res.insert_header(("X-Total-Count", listing.total.to_string()));
    })
}

/// A collection that is never paged (related articles): `links` all point at the request itself.
pub fn single_page(
    req: &HttpRequest,
    private: bool,
    per_page: i64,
    data: Vec<Raw>,
) -> HttpResponse {
    let self_ = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let total = data.len() as i64;
    let body = serde_json::to_string(&Page {
        data: &data,
        meta: Meta {
            page: Some(1),
            per_page,
            total,
            total_pages: 1,
            next_cursor: None,
        },
        links: Links {
            self_: self_.clone(),
            next: None,
            prev: None,
            first: self_.clone(),
            last: Some(self_.clone()),
        },
    })
    .unwrap_or_default();
    let etag = body_etag(&body);
    cached(req, private, body, etag, None, |res| {
        res.insert_header((header::LINK, format!("<{self_}>; rel=\"self\"")));
        res.insert_header(("X-Total-Count", total.to_string()));
    })
}

/// A strong ETag from a response body (the same on every instance for the same content).
pub fn body_etag(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
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

/// Parses `fields=a,b,c` against the allowed names: `None` when absent or naming nothing (`fields=`,
/// the default representation), 400 for an unknown name. Items are trimmed of spaces.
pub fn parse_fields(
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<Option<HashSet<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let mut set = HashSet::new();
    for f in raw
        .split(',')
        .map(|f| f.trim_matches(' '))
        .filter(|f| !f.is_empty())
    {
        if !allowed.contains(&f) {
            return Err(ApiError::bad_param(
                "fields",
                format!("unknown field `{f}`"),
            ));
        }
        set.insert(f.to_owned());
    }
    Ok((!set.is_empty()).then_some(set))
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

/// Parses a comma-separated list parameter: at most `max` items (counting empty ones, so that the
/// OpenAPI pattern says exactly the same) of at most 200 characters; items are trimmed of spaces.
pub fn csv(param: &str, raw: Option<&str>, max: usize) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.split(',').count() > max {
        return Err(ApiError::bad_param(param, format!("at most {max} values")));
    }
    if raw.split(',').any(|s| s.chars().count() > MAX_ITEM_CHARS) {
        return Err(ApiError::bad_param(
            param,
            "a value is at most 200 characters",
        ));
    }
    let items: Vec<String> = raw
        .split(',')
        .map(|s| s.trim_matches(' '))
        .filter(|s| !s.is_empty())
        .map(crate::domain::lookup_text)
        .collect();
    // An empty filter (`?tag=`) filters nothing, like an absent one.
    Ok((!items.is_empty()).then_some(items))
}

/// `{id}` or `{slug}` in a path.
pub fn key(raw: &str) -> Result<Key, ApiError> {
    if raw.is_empty() || raw.chars().count() > MAX_ITEM_CHARS {
        return Err(ApiError::bad_param("key", "an id or a slug"));
    }
    Ok(Key::parse(raw))
}

/// One page of a small list that was loaded whole and sorted by `(sort value, id)` ascending.
pub fn page_sorted<T>(
    items: Vec<(String, i64, T)>,
    p: &PageRequest,
    sort: &str,
) -> (Vec<T>, i64, Option<String>, bool) {
    let total = items.len() as i64;
    let start = match &p.cursor {
        Some(c) => items
            .iter()
            .position(|(k, id, _)| (k.as_str(), *id) > (c.value.as_str(), c.id))
            .unwrap_or(items.len()),
        None => (p.offset() as usize).min(items.len()),
    };
    let mut page: Vec<(String, i64, T)> = items
        .into_iter()
        .skip(start)
        .take(p.per_page as usize + 1)
        .collect();
    let has_next = page.len() as i64 > p.per_page;
    page.truncate(p.per_page as usize);
    let next = if has_next {
        page.last().map(|(k, id, _)| {
            Cursor {
                sort: sort.into(),
                value: k.clone(),
                id: *id,
            }
            .encode()
        })
    } else {
        None
    };
    (
        page.into_iter().map(|(_, _, t)| t).collect(),
        total,
        next,
        has_next,
    )
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
    let mut v = serde_json::to_value(value).unwrap_or_default();
    if let Some(f) = fields {
        v = keep_fields(v, f);
    }
    let body = v.to_string();
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

/// Zero-padded so that the text order of any i32 is its numeric order.
pub fn num_key(n: i64) -> String {
    format!("{:020}", (n as i128 + (1i128 << 62)) as u128)
}
