//! `/v1/users`: staff accounts (admins only).

use std::collections::HashMap;

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::common::PageQuery as ListQuery;
use crate::api::common::{collection, Listing, PageRequest};
use crate::auth::Caller;
use crate::content::users as content;
pub use crate::content::users::{create_from_cli, UserInput};
use crate::db::models::{AuthorRow, Ref, UserRow};
use crate::db::{authors, users as q, write_tx, AnyConnection};
use crate::domain::{utc, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A staff account. Never a password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    #[schema(example = "redaction@kiosque.example")]
    pub email: String,
    pub role: Role,
    /// The byline this account signs as.
    pub author: Option<Ref>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

pub fn to_out(conn: &mut AnyConnection, u: UserRow) -> Result<User, ApiError> {
    let bylines = authors::by_ids(conn, &u.author_id.into_iter().collect::<Vec<_>>())?;
    Ok(with_byline(u, &bylines))
}

/// A user with its byline taken from `bylines` (loaded once for a whole page).
fn with_byline(u: UserRow, bylines: &HashMap<i64, AuthorRow>) -> User {
    let author = u.author_id.and_then(|id| bylines.get(&id)).map(|a| Ref {
        id: a.id,
        slug: a.slug.clone(),
        name: a.name.clone(),
    });
    User {
        id: u.id,
        email: u.email,
        role: Role::parse(&u.role).unwrap_or(Role::Contributor),
        author,
        disabled: u.disabled,
        created_at: utc(u.created_at),
    }
}

/// List staff accounts (admins).
#[utoipa::path(
    tag = "users", operation_id = "list_users", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Accounts", body = UserList),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let page = PageRequest::parse(query.page, query.per_page, query.cursor.as_deref(), "id")?;
    let p = page.clone();
    let listing = state
        .db
        .run(move |conn| {
            let total = q::count(conn)?;
            let (rows, next_cursor, has_next) = p.by_id(
                "id",
                |after, offset, limit| q::list(conn, after.unwrap_or(0), offset, limit),
                |u| u.id,
            )?;
            // The page's bylines in one query, whatever the page size.
            let ids: Vec<i64> = rows.iter().filter_map(|u| u.author_id).collect();
            let bylines = authors::by_ids(conn, &ids)?;
            let accounts = rows.into_iter().map(|u| with_byline(u, &bylines));
            Ok(Listing {
                data: crate::api::common::shaped(accounts, &None)?,
                total,
                next_cursor,
                has_next,
            })
        })
        .await?;
    Ok(collection(&req, true, &page, listing))
}

/// Create a staff account (admins).
#[utoipa::path(
    tag = "users", operation_id = "create_user", request_body = UserInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = User, headers(("Location" = String))),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    input: crate::api::json::Json<UserInput>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let user = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let id = content::create(conn, input.into_inner()?)?;
                let u = q::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
                crate::db::audit::record(
                    conn,
                    Some(me),
                    "user.create",
                    &format!("user:{id}"),
                    serde_json::json!({"email": u.email, "role": u.role}),
                )?;
                let u = q::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
                to_out(conn, u)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/v1/users/{}", user.id),
        ))
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            crate::api::common::PRIVATE_CACHE,
        ))
        .json(user))
}

fn user_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::bad_param("id", "a numeric user id"))
}

/// Update a staff account (merge patch; admins).
#[utoipa::path(
    tag = "users", operation_id = "update_user", request_body = UserInput,
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = User),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    input: crate::api::json::Json<UserInput>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let id = user_id(&path)?;
    let user = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let u = content::update(conn, me, id, input.into_inner()?)?;
                to_out(conn, u)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            crate::api::common::PRIVATE_CACHE,
        ))
        .json(user))
}

/// Delete a staff account (admins; not your own).
#[utoipa::path(
    tag = "users", operation_id = "delete_user",
    params(("id" = i64, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Your own account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(Role::Admin)?.user_id;
    let id = user_id(&path)?;
    state
        .db
        .run(move |conn| write_tx(conn, |conn| content::delete(conn, me, id)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::api::collection_schema!(UserList, User);
