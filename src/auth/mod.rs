//! Staff identity: JWT keys and claims, password hashing, the `Caller` extractor and role checks.

pub mod jwt;
pub mod password;

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::domain::Role;
use crate::error::ApiError;
use crate::startup::AppState;

/// The token of an `Authorization: Bearer <token>` header value (the scheme in either case).
pub fn bearer_token(header: &str) -> Option<&str> {
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
}

/// An authenticated staff member, loaded from the database on every request so that a role change
/// or a disabled account takes effect at once.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: i64,
    pub role: Role,
    /// The author this account signs as, if any.
    pub author_id: Option<i64>,
}

impl Staff {
    pub fn at_least(&self, role: Role) -> bool {
        self.role >= role
    }
    /// 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.at_least(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this action needs the {} role",
                role.as_str()
            )))
        }
    }
}

/// Who is calling: anonymous, or staff with a valid bearer token. A bad token is a 401 even on a
/// public route, so a client learns its token is wrong rather than silently seeing less.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Staff>);

impl Caller {
    pub fn staff(&self) -> Option<&Staff> {
        self.0.as_ref()
    }
    /// 401 for anonymous callers.
    pub fn require_staff(&self) -> Result<&Staff, ApiError> {
        self.0
            .as_ref()
            .ok_or_else(|| ApiError::unauthorized("this action needs a staff access token"))
    }
    /// 401 for anonymous callers, 403 below `role`.
    pub fn require(&self, role: Role) -> Result<&Staff, ApiError> {
        let staff = self.require_staff()?;
        staff.require(role)?;
        Ok(staff)
    }
    pub fn is_staff(&self) -> bool {
        self.0.is_some()
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = req.headers().get(header::AUTHORIZATION).cloned();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(header) = header else {
                return Ok(Caller(None));
            };
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            let token = header.to_str().ok().and_then(bearer_token).ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
            })?;
            let claims = state.jwt.verify(token)?;
            let user_id: i64 = claims
                .sub
                .parse()
                .map_err(|_| ApiError::unauthorized("invalid token subject"))?;
            let user = state
                .db
                .run(move |conn| crate::db::users::find_active(conn, user_id))
                .await?
                .ok_or_else(|| {
                    ApiError::unauthorized("this account no longer exists or is disabled")
                })?;
            // Sessions end with a password, role or account change: older access tokens are refused.
            if claims.sgen != user.session_generation {
                return Err(ApiError::unauthorized(
                    "this session has ended; log in again",
                ));
            }
            let role = Role::parse(&user.role).ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("stored role {} is unknown", user.role))
            })?;
            Ok(Caller(Some(Staff {
                user_id: user.id,
                role,
                author_id: user.author_id,
            })))
        })
    }
}
