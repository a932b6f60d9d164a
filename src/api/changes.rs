//! `GET /v1/changes`: every change a mirror of the public site must apply, in commit order, after
//! an opaque cursor.

use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::articles::model::{Article, FIELDS};
use crate::api::articles::{item_values, to_items};
use crate::api::common::{self, body_etag, cached, Raw};
use crate::auth::Caller;
use crate::db::changes::{self as q, Kind};
use crate::db::write_tx;
use crate::domain::cursor::Cursor;
use crate::domain::utc;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The most changes one page holds.
pub const MAX_LIMIT: i64 = 500;

/// The sort a feed cursor is made for (cursors of other listings are refused).
const CURSOR_SORT: &str = "changes";

/// What happened, as the public saw it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Public from its creation.
    Created,
    /// Changed while public (also when a rubrique, author or tag it shows is renamed).
    Updated,
    /// Made public: a draft published, a scheduled time come, an unpublished article back.
    Published,
    /// No longer public: back to draft or pending, archived, or moved to a later date.
    Unpublished,
    /// Deleted while public.
    Deleted,
}

impl From<Kind> for ChangeKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Created => ChangeKind::Created,
            Kind::Updated => ChangeKind::Updated,
            Kind::Published => ChangeKind::Published,
            Kind::Unpublished => ChangeKind::Unpublished,
            Kind::Deleted => ChangeKind::Deleted,
        }
    }
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// This change's place in the feed: `since` to read what follows it.
    pub cursor: String,
    pub kind: ChangeKind,
    /// When it happened (for a scheduled publication, the instant it became public).
    pub at: DateTime<Utc>,
    pub article_id: i64,
    /// The article's slug at that change.
    pub slug: String,
    /// `created`, `updated`, `published`: the article as the public sees it now (with `body_html`,
    /// or the `fields` asked for). Null when it is no longer public: a later change says why.
    /// `unpublished`, `deleted`: always null (the change is the tombstone).
    #[schema(value_type = Option<Article>)]
    pub article: Option<Raw>,
}

/// `meta` of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesMeta {
    /// Where to read from next (`since`): after the last change of this page, or, on an empty
    /// page, where this one began. Poll with it.
    pub next_cursor: String,
    /// Whether more changes follow at once (read again with `next_cursor` without waiting).
    pub has_more: bool,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub data: Vec<Change>,
    pub meta: ChangesMeta,
}

/// Query of `GET /v1/changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// A `next_cursor` (or a change's `cursor`): the changes after it. Absent: from the first
    /// change. `now`: none, only the `next_cursor` of the feed's head (to follow it from now on,
    /// after a resync).
    pub since: Option<String>,
    /// 1-500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The article's fields to carry (as on `GET /v1/articles`).
    pub fields: Option<String>,
}

fn cursor(id: i64) -> String {
    Cursor {
        sort: CURSOR_SORT.into(),
        value: String::new(),
        id,
    }
    .encode()
}

/// The changes a mirror applies to stay equal to the public site, oldest first: `created`,
/// `updated` and `published` carry the article, `unpublished` and `deleted` are tombstones (id,
/// slug, time). Only what the public may see: a draft's edits appear nowhere, a scheduled article
/// appears when its time comes. A cursor never skips nor repeats a change, also while several
/// writers commit at once. Changes are kept `KIOSQUE_CHANGES_RETENTION_DAYS` (90); a cursor older
/// than that is answered 410: resync (take `since=now`'s `next_cursor`, read `GET /v1/articles`,
/// then follow the feed from that cursor).
#[utoipa::path(
    tag = "changes", operation_id = "list_changes", params(ChangesQuery),
    responses(
        (status = 200, description = "A page of changes", body = ChangePage),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A malformed cursor, a limit out of 1-500, an unknown field or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The cursor is older than the retention: changes after it were pruned; resync", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    // A staff caller's answer is private, as on every route; a bad token was a 401 already.
    let private = caller.staff().is_some();
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_param("limit", "must be between 1 and 500"));
    }
    let fields = common::parse_fields(query.fields.as_deref(), FIELDS)?;
    let since = match query.since.as_deref() {
        None | Some("") => Some(0),
        Some("now") => None,
        Some(raw) => Some(
            Cursor::decode(raw, CURSOR_SORT)
                .filter(|c| c.id >= 0)
                .ok_or_else(|| ApiError::bad_param("since", "not a cursor of this feed"))?
                .id,
        ),
    };
    let retention = chrono::Duration::from_std(state.config.changes_retention)
        .unwrap_or(chrono::Duration::days(90));
    let site = state.config.site_url.clone();
    let site_name = state.config.site_name.clone();
    let page = state
        .db
        .run(move |conn| {
            let now = crate::db::now();
            // Scheduled publications whose time has come enter the feed now, before it is read;
            // changes older than the retention are pruned. Both only when there is work (one indexed
            // read each).
            if q::next_due(conn)?.is_some_and(|due| due <= now) {
                write_tx(conn, |c| Ok(q::move_due(c, crate::db::now())?))?;
            }
            if q::oldest(conn)?.is_some_and(|at| at < now - retention) {
                write_tx(conn, |c| Ok(q::prune(c, now - retention)?))?;
            }
            let Some(since) = since else {
                let head = q::head(conn)?;
                return Ok(ChangePage {
                    data: Vec::new(),
                    meta: ChangesMeta {
                        next_cursor: cursor(head),
                        has_more: false,
                    },
                });
            };
            if since > q::head(conn)? {
                return Err(ApiError::bad_param(
                    "since",
                    "this cursor is ahead of the feed (made by another database?)",
                ));
            }
            if since < q::pruned_through(conn)? {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::GONE,
                    "cursor-expired",
                    format!(
                        "this cursor is older than the feed's retention ({} days): changes after it \
                         were pruned. Resync: take the next_cursor of since=now, read the \
                         published articles (GET /v1/articles), then follow the feed from that cursor",
                        retention.num_days()
                    ),
                ));
            }
            let mut rows = q::page(conn, since, limit + 1)?;
            let has_more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let shown: Vec<i64> = rows
                .iter()
                .filter(|r| Kind::from_stored(&r.1).shows_article())
                .map(|r| r.2)
                .collect();
            let mut unique = shown.clone();
            unique.sort_unstable();
            unique.dedup();
            let visible = crate::db::articles::visible_by_ids(conn, &unique, now)?;
            let items = to_items(conn, visible, &site, now)?;
            let ids: Vec<i64> = items.iter().map(|a| a.id).collect();
            let values: Vec<Raw> = match &fields {
                None => items
                    .into_iter()
                    .map(|mut a| {
                        a.body_text = None;
                        common::raw(&a)
                    })
                    .collect(),
                Some(_) => item_values(items, &fields, (&site, &site_name))?,
            };
            let articles: HashMap<i64, Raw> = ids.into_iter().zip(values).collect();
            let next_cursor = cursor(rows.last().map(|r| r.0).unwrap_or(since));
            let data = rows
                .into_iter()
                .map(|(id, kind, article_id, slug, at)| {
                    let kind = Kind::from_stored(&kind);
                    Change {
                        cursor: cursor(id),
                        kind: kind.into(),
                        at: utc(at),
                        article_id,
                        slug,
                        article: kind
                            .shows_article()
                            .then(|| articles.get(&article_id).cloned())
                            .flatten(),
                    }
                })
                .collect();
            Ok(ChangePage {
                data,
                meta: ChangesMeta {
                    next_cursor,
                    has_more,
                },
            })
        })
        .await?;
    let body = serde_json::to_string(&page).map_err(|e| ApiError::internal(e.into()))?;
    let etag = body_etag(&body);
    Ok(cached(&req, private, body, etag, None, |_| {}))
}
