//! `/v1/users`: staff accounts (admins only).

use std::collections::HashMap;

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{collection, Checks, KeyRef, Listing, PageRequest, Patch};
use crate::auth::{password, Caller};
use crate::db::models::{AuthorRow, Ref, UserRow};
use crate::db::{authors, users as q, write_tx, AnyConnection};
use crate::domain::cursor::Cursor;
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

/// User input (POST: `email`, `password`, `role` required; PATCH: merge patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub email: Patch<String>,
    /// At least 12 characters; on creation, or to change it.
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub password: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Role, required = false)]
    pub role: Patch<Role>,
    /// Author id or slug, or null.
    #[serde(default)]
    #[schema(value_type = Option<KeyRef>)]
    pub author: Patch<KeyRef>,
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub disabled: Patch<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
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

/// An address as the OpenAPI pattern describes it: one `@`, something before it, a domain with a dot
/// that neither starts nor ends it, no white space or control character, at most 254 characters.
fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.chars().count() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Validates input over the current account (none on creation); hashes a new password.
fn prepare(
    conn: &mut AnyConnection,
    input: UserInput,
    cur: Option<UserRow>,
) -> Result<UserRow, ApiError> {
    let mut c = Checks::default();
    let now = crate::db::now();
    let email = input.email.required("email", &mut c.0);
    let pw = input.password.required("password", &mut c.0);
    let role = input.role.required("role", &mut c.0);
    let disabled = input.disabled.required("disabled", &mut c.0);
    if let Some(e) = &email {
        if !valid_email(e) {
            c.fail("email", "invalid", "an e-mail address");
        }
    }
    if let Some(p) = &pw {
        if !(12..=1024).contains(&p.chars().count()) {
            c.fail("password", "weak", "a password is 12 to 1024 characters");
        }
    }
    let author_id = match input.author {
        Patch::Absent => cur.as_ref().and_then(|u| u.author_id),
        Patch::Null => None,
        Patch::Value(k) => match authors::find(conn, &k.key())? {
            Some(a) => Some(a.id),
            None => {
                c.fail("author", "unknown", "no author has this id or slug");
                None
            }
        },
    };
    let mut u = match cur {
        Some(u) => u,
        None => {
            for (f, missing) in [
                ("email", email.is_none()),
                ("password", pw.is_none()),
                ("role", role.is_none()),
            ] {
                if missing {
                    c.fail(f, "required", format!("{f} is required"));
                }
            }
            UserRow {
                id: 0,
                email: String::new(),
                password_hash: String::new(),
                role: String::new(),
                author_id: None,
                disabled: false,
                created_at: now,
                updated_at: now,
                session_generation: 0,
            }
        }
    };
    c.finish()?;
    if let Some(e) = email {
        u.email = e.trim().to_lowercase();
    }
    if let Some(p) = pw {
        u.password_hash = password::hash(&p)?;
    }
    if let Some(r) = role {
        u.role = r.as_str().into();
    }
    if let Some(d) = disabled {
        u.disabled = d;
    }
    u.author_id = author_id;
    Ok(u)
}

/// Creates an account (shared with `kiosque user create` and the start-up admin).
pub fn create(conn: &mut AnyConnection, input: UserInput) -> Result<i64, ApiError> {
    let u = prepare(conn, input, None)?;
    if q::find_by_email(conn, &u.email)?.is_some() {
        return Err(ApiError::conflict("an account with this e-mail exists"));
    }
    Ok(q::insert(
        conn,
        &u.email,
        &u.password_hash,
        &u.role,
        u.author_id,
        crate::db::now(),
    )?)
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
            let (after, offset) = match &p.cursor {
                Some(c) => (c.id, 0),
                None => (0, p.offset()),
            };
            let mut rows = q::list(conn, after, offset, p.per_page + 1)?;
            let has_next = rows.len() as i64 > p.per_page;
            rows.truncate(p.per_page as usize);
            let next_cursor = has_next
                .then(|| {
                    rows.last().map(|u| {
                        Cursor {
                            sort: "id".into(),
                            value: String::new(),
                            id: u.id,
                        }
                        .encode()
                    })
                })
                .flatten();
            // The page's bylines in one query, whatever the page size.
            let ids: Vec<i64> = rows.iter().filter_map(|u| u.author_id).collect();
            let bylines = authors::by_ids(conn, &ids)?;
            let data = rows
                .into_iter()
                .map(|u| serde_json::to_value(with_byline(u, &bylines)).unwrap_or_default())
                .collect();
            Ok(Listing {
                data: crate::api::common::raw_all(data),
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
                let id = create(conn, input.into_inner()?)?;
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
                let cur = q::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
                let old_email = cur.email.clone();
                let (old_hash, old_role, was_disabled) =
                    (cur.password_hash.clone(), cur.role.clone(), cur.disabled);
                let u = prepare(conn, input.into_inner()?, Some(cur))?;
                if u.id == me && (u.disabled || u.role != "admin") {
                    return Err(ApiError::conflict(
                        "an admin cannot disable or demote their own account",
                    ));
                }
                if u.email != old_email && q::find_by_email(conn, &u.email)?.is_some() {
                    return Err(ApiError::conflict("an account with this e-mail exists"));
                }
                let now = crate::db::now();
                q::update(conn, &u, now)?;
                // A new password, another role or a disabled account ends every open session.
                if u.password_hash != old_hash
                    || u.role != old_role
                    || (u.disabled && !was_disabled)
                {
                    crate::db::sessions::revoke_user(conn, u.id, now)?;
                }
                let target = format!("user:{}", u.id);
                if u.role != old_role {
                    crate::db::audit::record(
                        conn,
                        Some(me),
                        "user.role_change",
                        &target,
                        serde_json::json!({"from": old_role, "to": u.role}),
                    )?;
                }
                if u.disabled != was_disabled {
                    crate::db::audit::record(
                        conn,
                        Some(me),
                        "user.disable",
                        &target,
                        serde_json::json!({"disabled": u.disabled}),
                    )?;
                }
                if u.password_hash != old_hash {
                    crate::db::audit::record(
                        conn,
                        Some(me),
                        "user.password_change",
                        &target,
                        serde_json::json!({}),
                    )?;
                }
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
    if id == me {
        return Err(ApiError::conflict(
            "an admin cannot delete their own account",
        ));
    }
    let n = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let n = q::delete(conn, id)?;
                if n > 0 {
                    crate::db::audit::record(
                        conn,
                        Some(me),
                        "user.delete",
                        &format!("user:{id}"),
                        serde_json::json!({}),
                    )?;
                }
                Ok(n)
            })
        })
        .await?;
    if n == 0 {
        return Err(ApiError::not_found("user"));
    }
    Ok(HttpResponse::NoContent().finish())
}

crate::api::collection_schema!(UserList, User);

/// `kiosque user create`: validates like `POST /v1/users`.
pub fn create_from_cli(
    db: &crate::db::Db,
    email: &str,
    role: &str,
    author: Option<&str>,
    password: &str,
) -> anyhow::Result<i64> {
    let role = Role::parse(role)
        .ok_or_else(|| anyhow::anyhow!("--role must be contributor, author, editor or admin"))?;
    let input = UserInput {
        email: Patch::Value(email.to_owned()),
        password: Patch::Value(password.to_owned()),
        role: Patch::Value(role),
        author: author
            .map(|a| Patch::Value(KeyRef::Slug(a.to_owned())))
            .unwrap_or_default(),
        ..UserInput::default()
    };
    let mut conn = db.get()?;
    write_tx(&mut conn, |conn| create(conn, input)).map_err(|e| anyhow::anyhow!("{}", e.detail))
}
