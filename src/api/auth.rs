//! `POST /v1/auth/token` and `GET /v1/me`.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::{to_out, User};
use crate::auth::{password, Caller};
use crate::db::sessions;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Staff credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "redaction@kiosque.example")]
    pub email: String,
    #[schema(example = "un mot de passe long")]
    pub password: String,
}

/// A short-lived access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Opaque; trade it at `POST /v1/auth/refresh` for a new pair. Single use; lives 30 days unused.
    #[schema(example = "kr_q3Jm…")]
    pub refresh_token: String,
}

/// A refresh token, to renew (`/v1/auth/refresh`) or end (`/v1/auth/logout`) a session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Issues an access token and stores a new refresh token of `family` (a new one for a log-in).
fn issue_pair(
    state: &AppState,
    conn: &mut crate::db::AnyConnection,
    user: &crate::db::models::UserRow,
    family: Option<String>,
) -> Result<TokenResponse, ApiError> {
    let user_id = user.id;
    let now = crate::db::now();
    let family = match family {
        Some(f) => f,
        None => sessions::new_secret()?.1[..32].to_owned(),
    };
    let (secret, hash) = sessions::new_secret()?;
    sessions::insert(conn, user_id, &family, &hash, now)?;
    Ok(TokenResponse {
        access_token: state
            .jwt
            .issue(user_id, &user.role, user.session_generation)?,
        token_type: "Bearer".into(),
        expires_in: state.jwt.ttl.as_secs(),
        refresh_token: secret,
    })
}

fn no_store(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// Log in: trade an e-mail and password for a bearer access token and a refresh token.
///
/// An unknown e-mail, a wrong password and a disabled account all get the same 401 after the same work.
#[utoipa::path(
    tag = "auth", operation_id = "create_token", request_body = TokenRequest,
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong credentials", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts for this account or from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    input: crate::api::json::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest {
        email,
        password: pw,
    } = input.into_inner()?;
    // Throttled per account and per client address (keys the server derives, not the body alone).
    let per_account = state.config.rate_limit_login;
    if per_account > 0 {
        let ip = state
            .client_ip(&req)
            .map(|i| i.to_string())
            .unwrap_or_default();
        for (key, limit) in [
            (
                format!("login:{}", email.trim().to_lowercase()),
                per_account,
            ),
            (format!("login-ip:{ip}"), per_account.saturating_mul(5)),
        ] {
            let d = state.limiter.hit(&key, limit);
            if !d.allowed {
                return Err(ApiError::too_many(d));
            }
        }
    }
    if email.len() > 320 || pw.len() > 1024 {
        return Err(ApiError::unauthorized("wrong e-mail or password"));
    }
    let wanted = crate::domain::lookup_text(&email.trim().to_lowercase());
    let email = crate::domain::lookup_text(&email);
    let user = state
        .db
        .run(move |conn| Ok(crate::db::users::find_by_email(conn, &email)?))
        .await?;
    let _permit = password::permits()
        .acquire()
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    let ok = web::block(move || {
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.as_str())
            .unwrap_or(password::dummy_hash());
        let matches = password::verify(&pw, hash);
        user.filter(|u| matches && !u.disabled)
    })
    .await
    .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    let Some(user) = ok else {
        let target = format!("email:{}", wanted.chars().take(320).collect::<String>());
        state
            .db
            .run(move |conn| {
                crate::db::write_tx(conn, |c| {
                    Ok(crate::db::audit::record(
                        c,
                        None,
                        "auth.login_failed",
                        &target,
                        serde_json::json!({}),
                    )?)
                })
            })
            .await?;
        return Err(ApiError::unauthorized("wrong e-mail or password"));
    };
    let st = state.clone();
    let pair = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |c| {
                crate::db::audit::record(
                    c,
                    Some(user.id),
                    "auth.login",
                    &format!("user:{}", user.id),
                    serde_json::json!({}),
                )?;
                issue_pair(&st, c, &user, None)
            })
        })
        .await?;
    Ok(no_store(&pair))
}

/// What happened to a presented refresh token.
enum Renewal {
    Renewed(TokenResponse),
    Refused(&'static str),
}

/// Renew a session: trade a refresh token for a new access token and a new refresh token.
///
/// The old refresh token dies. Presenting a token that was already used (a sign it was stolen) revokes
/// its whole session, for the thief and the owner alike.
#[utoipa::path(
    tag = "auth", operation_id = "refresh_token", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown, expired, used or revoked refresh token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_token(
    state: web::Data<AppState>,
    input: crate::api::json::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = sessions::hash(&input.into_inner()?.refresh_token);
    let st = state.clone();
    let outcome = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |c| {
                let now = crate::db::now();
                let Some((id, user_id, family, expires, used, revoked)) = sessions::find(c, &hash)?
                else {
                    return Ok(Renewal::Refused("unknown refresh token"));
                };
                if used.is_some() || revoked.is_some() {
                    sessions::revoke_family(c, &family, now)?;
                    return Ok(Renewal::Refused(
                        "this refresh token was already used; the session is revoked",
                    ));
                }
                if expires <= now {
                    return Ok(Renewal::Refused("the refresh token has expired"));
                }
                let Some(user) = crate::db::users::find_active(c, user_id)? else {
                    return Ok(Renewal::Refused(
                        "this account no longer exists or is disabled",
                    ));
                };
                if !sessions::mark_used(c, id, now)? {
                    sessions::revoke_family(c, &family, now)?;
                    return Ok(Renewal::Refused(
                        "this refresh token was already used; the session is revoked",
                    ));
                }
                Ok(Renewal::Renewed(issue_pair(&st, c, &user, Some(family))?))
            })
        })
        .await?;
    match outcome {
        Renewal::Renewed(pair) => Ok(no_store(&pair)),
        Renewal::Refused(why) => Err(ApiError::unauthorized(why)),
    }
}

/// Log out: end the session of a refresh token (staff).
///
/// Answers 204 whether or not the token was still alive; a token of another account is left alone.
#[utoipa::path(
    tag = "auth", operation_id = "logout", request_body = RefreshRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The session is over"),
        (status = 401, description = "No or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    caller: Caller,
    input: crate::api::json::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require_staff()?.user_id;
    let hash = sessions::hash(&input.into_inner()?.refresh_token);
    state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |c| {
                if let Some((_, user_id, family, ..)) = sessions::find(c, &hash)? {
                    if user_id == me {
                        sessions::revoke_family(c, &family, crate::db::now())?;
                    }
                }
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account, role and linked author.
#[utoipa::path(
    tag = "auth", operation_id = "find_me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = User),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn find_me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let id = caller.require_staff()?.user_id;
    let user: User = state
        .db
        .run(move |conn| {
            let u = crate::db::users::find(conn, id)?
                .ok_or_else(|| ApiError::unauthorized("unknown account"))?;
            to_out(conn, u)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, crate::api::common::PRIVATE_CACHE))
        .json(user))
}
