//! Anonymous GETs answered again from the response a process last built, for a second or two.
//!
//! Public responses already say `Cache-Control: public, max-age=60`: any cache between the API and a
//! reader may keep them a minute. This keeps them for much less ([`Config::response_cache`], 2 s by
//! default) inside each process, so that readers of the front page after the first are answered
//! without a query (requests missing at the same moment each compute; none waits for another). Only what is declared public is kept: a `200` whose Cache-Control is the public one,
//! for a request without `Authorization` or a conditional header. Every successful write through this
//! process empties it at once, so a writer reads what it wrote, and tells the other instances over
//! the same PostgreSQL database ([`crate::peers`]), which empty theirs.
//!
//! [`Config::response_cache`]: crate::config::Config::response_cache

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};

use crate::api::common::PUBLIC_CACHE;
use crate::kept::Kept;
use crate::peers::Peers;

/// Bytes of responses one process keeps at most (bodies, plus a little for each entry's headers):
/// many distinct query strings cannot grow it further.
const BUDGET: usize = 32 * 1024 * 1024;
/// Larger bodies are not kept.
const MAX_BODY: usize = 256 * 1024;
/// What an entry's key and headers weigh besides its body.
const ENTRY_WEIGHT: usize = 1024;

/// The responses one process keeps, by path and query string: headers and body.
pub struct ResponseCache {
    kept: Kept<String, Arc<(HeaderMap, Bytes)>>,
    /// Moves with every write, so that a read that began before a write does not keep what it read.
    writes: AtomicU64,
    /// The other instances to tell of a write (PostgreSQL only).
    peers: Option<Arc<Peers>>,
}

impl ResponseCache {
    pub fn new(ttl: Duration, peers: Option<Arc<Peers>>) -> Self {
        ResponseCache {
            kept: Kept::new(ttl, BUDGET),
            writes: AtomicU64::new(0),
            peers,
        }
    }

    fn get(&self, key: &String) -> Option<HttpResponse> {
        let kept = self.kept.get(key)?;
        let mut res = HttpResponse::with_body(StatusCode::OK, BoxBody::new(kept.1.clone()));
        *res.headers_mut() = kept.0.clone();
        Some(res)
    }

    fn put(&self, key: String, since: u64, headers: HeaderMap, body: Bytes) {
        let weight = body.len() + key.len() + ENTRY_WEIGHT;
        self.kept
            .insert_if(key, Arc::new((headers, body)), weight, || {
                self.writes.load(Ordering::SeqCst) == since
            });
    }

    /// Forgets every response (after another instance's write).
    pub fn clear(&self) {
        self.kept.clear_then(|| {
            self.writes.fetch_add(1, Ordering::SeqCst);
        });
    }

    /// After a write through this process: forgets every response, and tells the other instances.
    fn written(&self) {
        self.clear();
        if let Some(p) = &self.peers {
            p.wrote();
        }
    }
}

/// Empties the cache when dropped, unless disarmed.
struct ClearOnDrop {
    cache: Option<Arc<ResponseCache>>,
}

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        if let Some(cache) = self.cache.take() {
            cache.written();
        }
    }
}

/// The middleware: answers from the cache, keeps what may be kept, empties it after a write.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The same cache as `AppState::responses`, registered on its own so that this layer does not
    // depend on the state (which holds it).
    let Some(cache) = req
        .app_data::<web::Data<ResponseCache>>()
        .map(|d| d.clone().into_inner())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Logging in, refreshing and logging out change nothing anyone reads.
    let writes = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && !req.path().starts_with("/v1/auth/");
    // Armed before the handler runs: a client that hangs up during a write drops this future, but
    // the write may still commit, so the guard empties the cache (and tells the peers) then too.
    let mut guard = ClearOnDrop {
        cache: writes.then(|| cache.clone()),
    };
    if cache.kept.ttl().is_zero() {
        // Nothing kept here; the other instances may keep theirs.
        let res = next.call(req).await?;
        if !res.status().is_success() {
            guard.cache = None;
        }
        return Ok(res.map_into_boxed_body());
    }
    let read = req.method() == Method::GET;
    let h = req.headers();
    let key = (read
        && !h.contains_key(header::AUTHORIZATION)
        && !h.contains_key(header::IF_NONE_MATCH)
        && !h.contains_key(header::IF_MODIFIED_SINCE))
    .then(|| format!("{}?{}", req.path(), req.query_string()));
    if let Some(res) = key.as_ref().and_then(|k| cache.get(k)) {
        return Ok(req.into_response(res));
    }
    let since = cache.writes.load(Ordering::SeqCst);
    let res = next.call(req).await?;
    if !res.status().is_success() {
        guard.cache = None;
    }
    drop(guard);
    let public = res.status() == StatusCode::OK
        && res
            .headers()
            .get(header::CACHE_CONTROL)
            .is_some_and(|v| v == PUBLIC_CACHE);
    match key {
        Some(key) if public => {
            let (req, res) = res.into_parts();
            let (res, body) = res.into_parts();
            let body = actix_web::body::to_bytes(body)
                .await
                .map_err(|e| actix_web::error::ErrorInternalServerError(e.into()))?;
            if body.len() <= MAX_BODY {
                cache.put(key, since, res.headers().clone(), body.clone());
            }
            Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(body))))
        }
        _ => Ok(res.map_into_boxed_body()),
    }
}
