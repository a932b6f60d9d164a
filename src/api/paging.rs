//! Pagination: page numbers and keyset cursors, the collection envelope (`data`, `meta`, `links`)
//! and its `Link` header.

use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::cursor::Cursor;
use crate::error::ApiError;

use super::respond::{body_etag, cached, Raw};

pub const MAX_PER_PAGE: i64 = 100;

/// The deepest page number accepted (deeper pages are reached by cursor).
pub const MAX_PAGE: i64 = 1_000_000;

/// The query of one item that takes only a sparse fieldset (a rubrique, an author, a tag).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FieldsQuery {
    pub fields: Option<String>,
}

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

/// One page of a listing, before it becomes a response.
pub struct Listing {
    pub data: Vec<Raw>,
    pub total: i64,
    pub next_cursor: Option<String>,
    pub has_next: bool,
}

/// A collection response's body.
#[derive(Serialize)]
struct Page<'a> {
    data: &'a [Raw],
    meta: Meta,
    links: Links,
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

/// Zero-padded so that the text order of any i32 is its numeric order.
pub fn num_key(n: i64) -> String {
    format!("{:020}", (n as i128 + (1i128 << 62)) as u128)
}
