//! Staff identity: JWT keys and claims, password hashing, the caller types and role checks (the
//! `Caller` extractor lives in `state`, beside what it reads).

pub mod jwt;
pub mod password;

use crate::domain::Role;
use crate::error::ApiError;

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
