//! `POST /v1/auth/token` and `GET /v1/me`.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::{to_out, User};
use crate::auth::{password, Caller};
use crate::error::{ApiError, Problem};
use crate::startup::AppState;

/// Staff credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "redaction@kiosque.example")]
    pub email: String,
    #[schema(example = "un mot de passe long")]
    pub password: String,
}

/// A short-lived access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

/// Log in: trade an e-mail and password for a bearer access token.
///
/// An unknown e-mail, a wrong password and a disabled account all get the same 401 after the same work.
#[utoipa::path(
    tag = "auth", operation_id = "create_token", request_body = TokenRequest,
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong credentials", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    input: crate::api::json::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest {
        email,
        password: pw,
    } = input.into_inner();
    if email.len() > 320 || pw.len() > 1024 {
        return Err(ApiError::unauthorized("wrong e-mail or password"));
    }
    let user = state
        .db
        .run(move |conn| Ok(crate::db::users::find_by_email(conn, &email)?))
        .await?;
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
    let user = ok.ok_or_else(|| ApiError::unauthorized("wrong e-mail or password"))?;
    let token = state.jwt.issue(user.id, &user.role)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.jwt.ttl.as_secs(),
        }))
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
