//! The application state every handler, extractor and middleware reads: the database, the settings,
//! the token keys, the limiter, the metrics and the read caches. Built once by `startup`, which is
//! the only module that wires the app; everything else imports the state from here.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::HttpRequest;

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest};

use crate::auth::jwt::JwtKeys;
use crate::auth::{bearer_token, Caller, Staff};
use crate::config::Config;
use crate::db::search::{Frequencies, Stamp};
use crate::db::Db;
use crate::domain::Role;
use crate::error::ApiError;
use crate::kept::Kept;

/// What one process keeps between requests for the database it serves. Every key holds the
/// statistics' [`Stamp`], which any indexing write moves on every instance, so nothing kept outlives
/// a change to what it was computed from; lifetimes bound what a scheduled article falling due (which
/// moves no statistics) may leave stale.
pub struct Caches {
    /// Document frequencies and tag counts for the current statistics.
    pub frequencies: Frequencies,
    /// How long a stored related list (`related_lists`, shared by every instance) is used before it
    /// is computed again; zero computes every list on every request and stores none.
    pub related_max_age: Duration,
    /// Public search rankings, by question, for `KIOSQUE_SEARCH_CACHE_SECS` (a minute by default).
    pub rankings: Kept<(Stamp, String), Vec<(i64, f64)>>,
}

/// Related cards: id, score and reasons.
pub type RelatedCards = Vec<(i64, f64, Vec<String>)>;

impl Default for Caches {
    fn default() -> Self {
        Caches {
            frequencies: Frequencies::default(),
            related_max_age: Duration::from_secs(86_400),
            rankings: Kept::new(Duration::from_secs(60), 4096),
        }
    }
}

impl Caches {
    /// The caches of a process with these settings.
    pub fn new(related_max_age: Duration) -> Caches {
        Caches {
            related_max_age,
            ..Caches::default()
        }
    }

    /// The same caches, with public search rankings kept `ttl` (zero: none kept).
    pub fn with_search_cache(self, ttl: Duration) -> Caches {
        Caches {
            rankings: Kept::new(ttl, 4096),
            ..self
        }
    }

    /// Forgets everything (for benchmarks that time the computed path).
    pub fn clear(&self) {
        self.frequencies.clear();
        self.rankings.clear();
    }
}

/// What every handler reaches through `web::Data<AppState>`.
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub limiter: Arc<dyn crate::ratelimit::Limiter>,
    pub metrics: crate::metrics::Metrics,
    pub caches: Arc<Caches>,
}

impl AppState {
    /// The user id of a valid bearer token, for the middlewares that key on the caller (the
    /// `Caller` extractor checks the account itself).
    pub fn bearer_subject(&self, req: &HttpRequest) -> Option<String> {
        let header = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
        self.jwt
            .verify(crate::auth::bearer_token(header)?)
            .ok()
            .map(|c| c.sub)
    }

    /// The client's address, as the rate limits see it.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<std::net::IpAddr> {
        let xff = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        crate::ratelimit::client_ip(
            req.peer_addr().map(|a| a.ip()),
            xff,
            &self.config.trusted_proxies,
        )
    }
}

/// The largest JSON body accepted (an article body is at most 200,000 characters).
pub const JSON_LIMIT: usize = 1024 * 1024;

/// The caller of a request: a staff member with a valid bearer token whose account is live, or
/// anonymous. Lives beside the state it reads (the keys and the database).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_cache_of_zero_keeps_no_ranking() {
        let stamp = crate::db::search::Stamp::default();
        let off = Caches::default().with_search_cache(Duration::ZERO);
        off.rankings
            .insert((stamp.clone(), "q".into()), vec![(1, 1.0)]);
        assert!(off.rankings.get(&(stamp.clone(), "q".into())).is_none());
        let on = Caches::default().with_search_cache(Duration::from_secs(60));
        on.rankings
            .insert((stamp.clone(), "q".into()), vec![(1, 1.0)]);
        assert_eq!(on.rankings.get(&(stamp, "q".into())), Some(vec![(1, 1.0)]));
    }
}
