//! `Idempotency-Key` on POST.

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpResponse};

use crate::error::ApiError;
use crate::state::AppState;

/// `Idempotency-Key` on POST: the first answer (2xx) of a caller's key is stored for 24 hours and
/// replayed for the same body; the same key with another body, or while the first request runs, is a
/// 409. A failed request frees its key.
pub async fn idempotency(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    use actix_web::{FromRequest, HttpMessage};
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let (Some(key), true) = (key, req.method() == Method::POST) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let refuse = |req: actix_web::dev::ServiceRequest, e: ApiError| {
        let res = e.response(Some(req.path()));
        Ok(req.into_response(res).map_into_right_body())
    };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return refuse(
            req,
            ApiError::bad_param("Idempotency-Key", "1-255 visible ASCII characters"),
        );
    }
    // The caller owns its keys: a staff user, a partner key, or else the client address.
    let caller = match state.bearer_subject(req.request()) {
        Some(sub) => format!("staff:{sub}"),
        None => match req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) {
            Some(k) => format!("key:{}", crate::db::sessions::hash(k)),
            None => format!(
                "ip:{}",
                state
                    .client_ip(req.request())
                    .map(|i| i.to_string())
                    .unwrap_or_default()
            ),
        },
    };
    let mut payload = req.take_payload();
    let body = match web::Bytes::from_request(req.request(), &mut payload).await {
        Ok(b) => b,
        Err(_) => {
            let e = ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "the body is larger than 1 MiB",
            );
            return refuse(req, e);
        }
    };
    let body_hash = crate::db::sessions::hash(&String::from_utf8_lossy(&body));
    let method_path = format!("POST {}", req.path());
    req.set_payload(actix_web::dev::Payload::from(body));
    let (c, k, mp, bh) = (
        caller.clone(),
        key.clone(),
        method_path.clone(),
        body_hash.clone(),
    );
    let claimed = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| {
                let now = crate::db::now();
                match crate::db::idempotency::find(conn, &c, &k, now)? {
                    Some(stored) => Ok(Err(stored)),
                    None => Ok(Ok(crate::db::idempotency::claim(
                        conn, &c, &k, &mp, &bh, now,
                    )?)),
                }
            })
        })
        .await;
    match claimed {
        Err(e) => return refuse(req, e),
        Ok(Err((stored_path, stored_hash, status, response, headers))) => {
            if stored_path != method_path || stored_hash != body_hash {
                // A conflict with the key's stored state, like a key still running (409 both): the
                // request itself is well formed, so it is not a 422.
                let mut e =
                    ApiError::conflict("this Idempotency-Key was used with another request");
                e.errors.push(crate::error::FieldError::new(
                    "Idempotency-Key",
                    "reused",
                    "this key was used with another request",
                ));
                return refuse(req, e);
            }
            if status == 0 {
                return refuse(
                    req,
                    ApiError::conflict("a request with this Idempotency-Key is still running"),
                );
            }
            // A stored answer that cannot be read back is a fault to log and report, never replayed
            // as something else (an empty set of headers, a 200 for an unknown status).
            let stored = StatusCode::from_u16(status as u16)
                .map_err(|e| anyhow::anyhow!("stored idempotent status {status}: {e}"))
                .and_then(|code| {
                    serde_json::from_str::<Vec<(String, String)>>(&headers)
                        .map(|h| (code, h))
                        .map_err(|e| anyhow::anyhow!("stored idempotent headers: {e}"))
                });
            let (code, headers) = match stored {
                Ok(v) => v,
                Err(e) => return refuse(req, ApiError::internal(e)),
            };
            let mut res = HttpResponse::build(code);
            for (name, value) in headers {
                res.insert_header((name, value));
            }
            res.insert_header(("Idempotent-Replayed", "true"));
            return Ok(req.into_response(res.body(response)).map_into_right_body());
        }
        Ok(Ok(false)) => {
            return refuse(
                req,
                ApiError::conflict("a request with this Idempotency-Key is still running"),
            )
        }
        Ok(Ok(true)) => {}
    }
    let res = next.call(req).await?;
    let status = res.status();
    let (http_req, http_res) = res.into_parts();
    let (head, body) = http_res.into_parts();
    // A body that cannot be read is not stored (it would be replayed empty): the key is freed and
    // the fault reported.
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::error!(error = %e.into(), "could not read a response to keep for Idempotency-Key");
            None
        }
    };
    let kept: Vec<(String, String)> = ["content-type", "location", "etag", "cache-control"]
        .iter()
        .filter_map(|n| {
            head.headers()
                .get(*n)
                .and_then(|v| v.to_str().ok())
                .map(|v| (n.to_string(), v.to_owned()))
        })
        .collect();
    let text = bytes
        .as_ref()
        .map(|b| String::from_utf8_lossy(b).into_owned());
    let outcome = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| {
                match text.filter(|_| status.is_success()) {
                    Some(text) => {
                        let headers = serde_json::to_string(&kept)
                            .map_err(|e| ApiError::internal(anyhow::anyhow!("headers: {e}")))?;
                        crate::db::idempotency::complete(
                            conn,
                            &caller,
                            &key,
                            status.as_u16() as i32,
                            &text,
                            &headers,
                        )?;
                    }
                    None => {
                        crate::db::idempotency::release(conn, &caller, &key)?;
                    }
                }
                Ok(())
            })
        })
        .await;
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record an idempotent answer");
    }
    let Some(bytes) = bytes else {
        let e = ApiError::internal(anyhow::anyhow!("the response body could not be read"));
        let res = e.response(Some(http_req.path()));
        return Ok(actix_web::dev::ServiceResponse::new(http_req, res).map_into_right_body());
    };
    let res = head.set_body(bytes).map_into_boxed_body();
    Ok(actix_web::dev::ServiceResponse::new(http_req, res).map_into_right_body())
}
