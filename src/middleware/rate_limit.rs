//! Rate limits per caller: a staff user, a partner key, or else the client address.

use actix_web::web;

use crate::error::ApiError;
use crate::state::AppState;

/// Counts each request against its caller's limit: staff per user (a valid bearer token), everyone
/// else per client address. Limited responses carry `RateLimit-*`; over the limit, a 429 problem with
/// `Retry-After`. Health checks are never limited.
pub async fn rate_limit(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if req.path().starts_with("/health/") || req.path() == "/metrics" {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let staff = state.bearer_subject(req.request());
    let api_key = req
        .headers()
        .get("x-api-key")
        .map(|v| v.to_str().unwrap_or("").trim().to_owned());
    let partner = match api_key {
        Some(secret) if staff.is_none() => match partner_key(&state, secret).await {
            Ok(k) => Some(k),
            Err(e) => {
                let res = e.response(Some(req.path()));
                return Ok(req.into_response(res).map_into_right_body());
            }
        },
        _ => None,
    };
    let (key, limit) = match (staff, partner) {
        (Some(sub), _) => (format!("staff:{sub}"), state.config.rate_limit_staff),
        (None, Some((id, limit))) => (format!("key:{id}"), limit),
        (None, None) => {
            let ip = state
                .client_ip(req.request())
                .map(|i| i.to_string())
                .unwrap_or_default();
            (format!("ip:{ip}"), state.config.rate_limit_anonymous)
        }
    };
    if limit == 0 {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let d = state.limiter.hit(&key, limit);
    if !d.allowed {
        let res = crate::error::ApiError::too_many(d).response(Some(req.path()));
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    crate::error::rate_limit_headers(res.headers_mut(), d);
    Ok(res.map_into_left_body())
}

/// The id and per-minute limit of a live partner key; 401 for any other value.
pub async fn partner_key(
    state: &web::Data<AppState>,
    secret: String,
) -> Result<(i64, u32), ApiError> {
    if secret.len() > 200 {
        return Err(ApiError::unauthorized("the API key is invalid or revoked"));
    }
    state
        .db
        .run(move |conn| {
            let key = crate::db::api_keys::by_secret(conn, &secret)?
                .ok_or_else(|| ApiError::unauthorized("the API key is invalid or revoked"))?;
            let now = crate::db::now();
            // `last_used_at` is kept to the minute: no write on every request.
            if key
                .last_used_at
                .is_none_or(|t| now - t >= chrono::Duration::seconds(60))
            {
                crate::db::write_tx(conn, |c| Ok(crate::db::api_keys::touch(c, key.id, now)?))?;
            }
            Ok((key.id, key.rate_limit_per_minute.max(0) as u32))
        })
        .await
}
