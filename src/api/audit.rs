//! `GET /v1/articles/{key}/revisions` (staff) and `GET /v1/audit` (admins).

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{self, collection, key, Listing, PageRequest};
use crate::auth::Caller;
use crate::content::articles::load_visible;
use crate::db::audit;
use crate::domain::{utc, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A former state of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    /// The version this state had.
    pub version: i64,
    /// When it was replaced.
    pub replaced_at: DateTime<Utc>,
    /// Who replaced it.
    pub replaced_by: Option<i64>,
    /// The stored fields then (`rubrique`, `authors` and `tags` as ids).
    #[schema(value_type = Object)]
    pub article: serde_json::Value,
}

/// An article's former versions, newest first (staff who may see the article; at most 100).
#[utoipa::path(
    tag = "articles", operation_id = "list_article_revisions", security(("bearer" = [])),
    params(("key" = String, Path, description = "Numeric id or slug")),
    responses(
        (status = 200, description = "Former versions", body = RevisionList),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{key}/revisions")]
pub async fn list_article_revisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let staff = caller.require_staff()?.clone();
    let key = key(&path)?;
    let rows = state
        .db
        .run(move |conn| {
            let a = load_visible(conn, Some(&staff), &key, crate::db::now())?;
            Ok(audit::revisions(conn, a.id, 100)?)
        })
        .await?;
    let data = rows
        .into_iter()
        .map(|(version, snapshot, user, at)| {
            Ok(common::raw(&Revision {
                version,
                replaced_at: utc(at),
                replaced_by: user,
                article: common::stored_json("revision", &snapshot)?,
            }))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(common::single_page(&req, true, 100, data))
}

/// One audited action.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The acting account (none for a failed log-in).
    pub user_id: Option<i64>,
    /// `auth.login`, `auth.login_failed`, `article.publish`, `article.delete`, `rubrique.delete`,
    /// `author.delete`, `tag.delete`, `user.create`, `user.role_change`, `user.disable`,
    /// `user.password_change`, `user.delete`, `api_key.create`, `api_key.revoke`.
    pub action: String,
    /// What it was done to, e.g. `article:12`, `user:3`, `email:…`.
    pub target: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Query of `GET /v1/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this action.
    pub action: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
}

/// The audit log, newest first (admins). Never holds a password, hash or token.
#[utoipa::path(
    tag = "users", operation_id = "list_audit", security(("bearer" = [])), params(AuditQuery),
    responses(
        (status = 200, description = "Audited actions", body = AuditList),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.page, query.per_page, query.cursor.as_deref(), "-id")?;
    let p = page.clone();
    let action = query
        .action
        .filter(|a| !a.is_empty())
        .map(|a| crate::domain::lookup_text(&a));
    let listing = state
        .db
        .run(move |conn| {
            let total = audit::count(conn, action.as_deref())?;
            let (rows, next_cursor, has_next) = p.by_id(
                "-id",
                |before, offset, limit| audit::list(conn, before, action.as_deref(), offset, limit),
                |r| r.0,
            )?;
            let data = rows
                .into_iter()
                .map(|(id, at, user_id, action, target, detail)| {
                    Ok(common::raw(&AuditEntry {
                        id,
                        at: utc(at),
                        user_id,
                        action,
                        target,
                        detail: common::stored_json("audit detail", &detail)?,
                    }))
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(Listing {
                data,
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(collection(&req, true, &page, listing))
}

crate::api::collection_schema!(RevisionList, Revision);
crate::api::collection_schema!(AuditList, AuditEntry);
