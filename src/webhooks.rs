//! The webhook worker: runs in each server (unless `KIOSQUE_WEBHOOK_WORKER=false`), claims due
//! deliveries from the outbox, posts each change to its endpoint signed the way Stripe signs
//! (`Kiosque-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`), and records every attempt:
//! retried with exponential backoff and jitter, given up after `retry_for`, the endpoint switched
//! off after `disable_after` failures in a row. Outbound requests go only to public addresses
//! (checked after DNS resolution, on the address connected to) unless `allow_private`.

use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_tls::connect::{Resolve, Resolver};
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::WebhookSettings;
use crate::db::changes::{self, Kind};
use crate::db::webhooks::{self as q, Attempt, DeliveryRow};
use crate::domain::address::{fenced, url_ip};
use crate::state::AppState;

/// Deliveries claimed at once.
const BATCH: i64 = 10;
/// The most of an endpoint's answer read (to quote it in `last_error`).
const MAX_ANSWER: usize = 64 * 1024;
/// The longest wait between two retries.
const MAX_WAIT: Duration = Duration::from_secs(6 * 3600);

/// Asks the worker to stop; it finishes the delivery in hand first.
#[derive(Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Resolves as the system does, then refuses the lookup if any address is not public: the
/// connection is made to the addresses checked here, so a name cannot change its answer between
/// the check and the connection.
struct Guarded {
    allow_private: bool,
}

impl Resolve for Guarded {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn StdError>>> {
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
            if let Some((a, why)) = addrs
                .iter()
                .find_map(|a| fenced(a.ip(), self.allow_private).map(|why| (a, why)))
            {
                return Err(format!("refused: {host} resolves to {}, {why}", a.ip()).into());
            }
            Ok(addrs)
        })
    }
}

fn client(s: &WebhookSettings) -> awc::Client {
    // One TLS provider for the process (ring); an error only says one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tcp = actix_tls::connect::Connector::new(Resolver::custom(Guarded {
        allow_private: s.allow_private,
    }))
    .service();
    awc::Client::builder()
        .connector(awc::Connector::new().connector(tcp).timeout(s.timeout))
        .timeout(s.timeout)
        .max_redirects(0)
        .add_default_header((
            "User-Agent",
            concat!("kiosque-webhooks/", env!("CARGO_PKG_VERSION")),
        ))
        .finish()
}

/// `t=<unix>,v1=<hex HMAC-SHA256 of "t.body" with the secret>`.
pub fn signature(secret: &str, unix: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(unix.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={unix},v1={hex}")
}

/// When to try a delivery again after its `attempts`-th failure: `first`, doubling, at most six
/// hours, give or take a quarter; `None` once it has been tried for `retry_for`.
fn retry_at(
    s: &WebhookSettings,
    attempts: i32,
    created: NaiveDateTime,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    // After the first failure `first`, after the second twice that, and so on.
    let base = s
        .retry_first
        .saturating_mul(1u32 << (attempts - 1).clamp(0, 20) as u32)
        .min(MAX_WAIT);
    let mut r = [0u8; 2];
    let _ = getrandom::fill(&mut r);
    let jitter = 0.75 + f64::from(u16::from_le_bytes(r)) / f64::from(u16::MAX) * 0.5;
    let wait = chrono::Duration::milliseconds((base.as_millis() as f64 * jitter) as i64);
    let next = now + wait;
    let give_up = created + chrono::Duration::from_std(s.retry_for).ok()?;
    (next <= give_up).then_some(next)
}

/// Runs the worker until `stop`.
pub async fn run(state: actix_web::web::Data<AppState>, stop: Stop) {
    let settings = state.config.webhooks.clone();
    let http = client(&settings);
    let poll = Duration::from_millis(200);
    while !stop.stopped() {
        let now = crate::db::now();
        // A claimed delivery is the claimer's for twice the longest attempt (and some): a worker
        // killed meanwhile lets it go to the next one then.
        let hold = settings.timeout * 2 + Duration::from_secs(5);
        let lease = now + chrono::Duration::from_std(hold).unwrap_or_default();
        // A scheduled publication whose time has come is announced now, even if nobody reads
        // the feed or writes (the move is one indexed read when there is nothing to do).
        let batch = state
            .db
            .run(move |c| {
                if changes::next_due(c)?.is_some_and(|due| due <= now) {
                    crate::db::write_tx(c, |c| Ok(changes::move_due(c, crate::db::now())?))?;
                }
                q::claim(c, now, lease, BATCH)
            })
            .await;
        match batch {
            Ok(batch) if !batch.is_empty() => {
                // Endpoints at once, each one's deliveries in order. What a slow endpoint cannot
                // send inside the lease is let go before the lease ends (and claimed again), so
                // that no other worker sends it meanwhile.
                let claimed = std::time::Instant::now();
                let mut groups: std::collections::BTreeMap<i64, Vec<DeliveryRow>> =
                    Default::default();
                for d in batch {
                    groups.entry(d.webhook_id).or_default().push(d);
                }
                let (state, http, settings) = (&state, &http, &settings);
                futures_util::future::join_all(groups.into_values().map(|list| async move {
                    let mut rest = list.into_iter();
                    for d in rest.by_ref() {
                        deliver(state, http, settings, d).await;
                        if claimed.elapsed() + settings.timeout + Duration::from_secs(2) > hold {
                            break;
                        }
                    }
                    let left: Vec<i64> = rest.map(|d| d.id).collect();
                    if !left.is_empty() {
                        let _ = state.db.run(move |c| Ok(q::release(c, &left)?)).await;
                    }
                }))
                .await;
            }
            Ok(_) => actix_web::rt::time::sleep(poll).await,
            Err(e) => {
                tracing::warn!(error = %e.detail, "webhook worker: cannot claim deliveries");
                actix_web::rt::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// The body of a delivery: the change, with the article as the public sees it now.
fn payload(
    conn: &mut crate::db::AnyConnection,
    d: &DeliveryRow,
    site: &str,
) -> Result<Option<serde_json::Value>, crate::error::ApiError> {
    let Some((id, kind, article_id, slug, at)) = changes::find(conn, d.change_id)? else {
        return Ok(None);
    };
    let now = crate::db::now();
    let article = if Kind::from_stored(&kind).shows_article() {
        let rows = crate::db::articles::visible_by_ids(conn, &[article_id], now)?;
        let items = crate::api::articles::to_items(conn, rows, site, now)?;
        items
            .into_iter()
            .next()
            .map(|mut a| {
                a.body_text = None;
                serde_json::to_value(a)
            })
            .transpose()
            .map_err(|e| crate::error::ApiError::internal(e.into()))?
    } else {
        None
    };
    Ok(Some(serde_json::json!({
        "id": format!("evt_{id}"),
        // The change's place in commit order (the feed's order): deliveries can come out of
        // order (a retry after a later success), so a receiver applies an event to an article
        // only if its sequence is above the last it applied there.
        "sequence": id,
        "type": d.event,
        "created_at": crate::domain::utc(at),
        "data": {
            "kind": kind,
            "article_id": article_id,
            "slug": slug,
            "article": article,
        },
    })))
}

async fn deliver(state: &AppState, http: &awc::Client, s: &WebhookSettings, d: DeliveryRow) {
    let site = state.config.site_url.clone();
    let delivery = d.clone();
    let found = state
        .db
        .run(move |c| {
            let target = q::target(c, &delivery)?;
            let body = payload(c, &delivery, &site)?;
            Ok((target, body))
        })
        .await;
    let now = crate::db::now();
    let (outcome, answer): (Result<u16, String>, Option<String>) = match found {
        Ok((Some((url, secret, true)), Some(body))) => {
            let body = body.to_string();
            let unix = chrono::Utc::now().timestamp();
            send(http, s, &url, &secret, unix, &body, &d).await
        }
        // Switched off since the claim: the delivery waits for it to be switched on again.
        Ok((Some((_, _, false)), _)) => {
            let id = d.id;
            let _ = state.db.run(move |c| Ok(q::release(c, &[id])?)).await;
            return;
        }
        Ok(_) => (Err("the change is no longer kept".into()), None),
        Err(e) => {
            tracing::warn!(error = %e.detail, "webhook worker: cannot read a delivery");
            return;
        }
    };
    let (delivered, status, error) = match &outcome {
        Ok(code) if (200..300).contains(code) => (true, Some(*code as i32), None),
        Ok(code) => (
            false,
            Some(*code as i32),
            Some(format!(
                "answered {code}{}",
                answer
                    .as_deref()
                    .filter(|a| !a.is_empty())
                    .map(|a| format!(": {}", a.chars().take(200).collect::<String>()))
                    .unwrap_or_default()
            )),
        ),
        Err(e) => (false, None, Some(e.clone())),
    };
    // A pruned change is not retried (an admin may replay it).
    let retry = !delivered && !matches!(outcome, Err(ref e) if e.starts_with("the change"));
    let retry_at = if retry {
        retry_at(s, d.attempts + 1, d.created_at, now)
    } else {
        None
    };
    let disable_after = s.disable_after;
    let res = state
        .db
        .run(move |c| {
            let a = Attempt {
                delivered,
                status,
                error: error.as_deref(),
                retry_at,
            };
            Ok(q::record_attempt(c, &d, &a, disable_after, now)?)
        })
        .await;
    if let Err(e) = res {
        tracing::warn!(error = %e.detail, "webhook worker: cannot record an attempt");
    }
}

/// Posts one delivery; its status code and the start of its answer, or why it could not be sent.
async fn send(
    http: &awc::Client,
    s: &WebhookSettings,
    url: &str,
    secret: &str,
    unix: i64,
    body: &str,
    d: &DeliveryRow,
) -> (Result<u16, String>, Option<String>) {
    // An address written as an IP is not resolved, so it is checked here.
    if let Some(ip) = url_ip(url) {
        if let Some(why) = fenced(ip, s.allow_private) {
            return (Err(format!("refused: {ip} is {why}")), None);
        }
    }
    let request = http
        .post(url)
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("Kiosque-Signature", signature(secret, unix, body)))
        .insert_header(("Kiosque-Event", d.event.as_str()))
        .insert_header(("Kiosque-Delivery", d.id.to_string()));
    match request.send_body(body.to_owned()).await {
        Ok(mut res) => {
            let code = res.status().as_u16();
            let answer = res
                .body()
                .limit(MAX_ANSWER)
                .await
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            (Ok(code), answer)
        }
        Err(e) => (Err(format!("not sent: {e}")), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_stripe_s() {
        // HMAC-SHA256("whsec", "1700000000.{}") as Python's hmac module computes it.
        assert_eq!(
            signature("whsec", 1_700_000_000, "{}"),
            "t=1700000000,v1=7d44587dddbaf4c7f70fef20f48cd594834ffea1641e3ac227b84408298738af"
        );
    }
}
