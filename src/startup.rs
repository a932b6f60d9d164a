//! Wiring: state, routes, extractor error handlers mapped to problem+json, the OpenAPI document.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, FieldError};

/// What every handler reaches through `web::Data<AppState>`.
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub limiter: Arc<dyn crate::ratelimit::Limiter>,
    pub metrics: crate::metrics::Metrics,
    /// Anonymous GET responses this process answers again for a moment.
    pub responses: Arc<crate::response_cache::ResponseCache>,
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

/// The OpenAPI document, collected from the same route table the server runs.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(api::ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/v1").configure(api::v1))
        .configure(api::root)
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    api::add_common_responses(&mut doc);
    api::contract::constrain(&mut doc);
    doc
}

/// The document as served and committed (pretty JSON with a final newline).
pub fn openapi_json() -> String {
    let mut doc = serde_json::to_value(openapi()).unwrap_or_default();
    api::contract::finish(&mut doc);
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// A started server and the address it listens on.
pub struct Application {
    pub server: Server,
    pub addr: std::net::SocketAddr,
}

impl Application {
    /// Opens the database (migrating and seeding as configured) and binds the listener.
    pub fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url, config.db_pool_size, config.db_timeout)?;
        db.migrate()?;
        crate::db::seed::on_start(&db, &config)?;
        let jwt = jwt_keys(&config)?;
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        let addr = listener.local_addr()?;
        let workers = config.workers;
        let cors_origins = config.cors_origins.clone();
        let responses = Arc::new(crate::response_cache::ResponseCache::new(
            config.response_cache,
        ));
        let state = web::Data::new(AppState {
            db,
            config: Arc::new(config),
            jwt,
            limiter: Arc::new(crate::ratelimit::MemoryLimiter::default()),
            metrics: crate::metrics::Metrics::default(),
            responses,
        });
        let spec = web::Data::new(openapi_json());
        let routes = web::Data::new(crate::gate::RouteTable::from_doc(&openapi()));
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(spec.clone())
                .app_data(routes.clone())
                .app_data(web::PayloadConfig::new(JSON_LIMIT))
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .app_data(web::PathConfig::default().error_handler(path_error))
                .wrap(actix_web::middleware::from_fn(
                    crate::response_cache::middleware,
                ))
                .wrap(actix_web::middleware::from_fn(idempotency))
                .wrap(actix_web::middleware::from_fn(crate::gate::gate))
                .wrap(actix_web::middleware::from_fn(problem_instance))
                .wrap(actix_web::middleware::from_fn(rate_limit))
                .wrap(actix_web::middleware::from_fn(security_headers))
                .wrap(actix_web::middleware::Condition::new(
                    !cors_origins.is_empty(),
                    cors(&cors_origins),
                ))
                .wrap(actix_web::middleware::from_fn(access_log))
                .wrap(actix_web::middleware::from_fn(head_as_get))
                .into_utoipa_app()
                .service(utoipa_actix_web::scope("/v1").configure(api::v1))
                .configure(api::root)
                .into_app()
                .route("/openapi.json", web::get().to(serve_openapi))
                .route("/docs", web::get().to(docs_redirect))
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(utoipa_swagger_ui::Config::new(["/openapi.json"])),
                )
                .default_service(web::to(not_found))
        })
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Application {
            server: server.run(),
            addr,
        })
    }
}

async fn serve_openapi(spec: web::Data<String>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(spec.get_ref().clone())
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Anything outside the route table (a documented path with a wrong method never gets here: the
/// gate answers it with 405).
async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::not_found("route").response(Some(req.path()))
}

fn query_error(err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let msg = match &err {
        QueryPayloadError::Deserialize(de) => de.to_string(),
        _ => "the query string could not be read".into(),
    };
    let field = msg
        .split_once('`')
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(f, _)| f.to_owned())
        .unwrap_or_else(|| "query".into());
    let mut e = ApiError::bad_request(format!("invalid query string: {msg}"));
    e.errors.push(FieldError::new(field, "invalid", msg));
    with_instance(e, req)
}

fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    with_instance(ApiError::bad_request(format!("invalid path: {err}")), req)
}

/// Wraps an error so that its problem document names the request path as `instance`.
fn with_instance(e: ApiError, req: &HttpRequest) -> actix_web::Error {
    actix_web::error::InternalError::from_response(e.to_string(), e.response(Some(req.path())))
        .into()
}

/// One log line per request (target `kiosque::http`; `RUST_LOG=kiosque::http=warn` silences it).
async fn access_log(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let start = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    let micros = start.elapsed().as_micros() as u64;
    if let Some(state) = res.request().app_data::<web::Data<AppState>>() {
        state.metrics.observe(method.as_str(), status, micros);
    }
    if status >= 500 {
        tracing::error!(target: "kiosque::http", %method, %path, status, micros, "request");
    } else {
        tracing::info!(target: "kiosque::http", %method, %path, status, micros, "request");
    }
    Ok(res)
}

/// CORS for the configured origins only (no credentials: tokens travel in headers, never cookies).
/// The token keys: key files (EdDSA or RS256) when configured, else the HS256 secret, else a random
/// per-process secret with a warning.
fn jwt_keys(config: &Config) -> anyhow::Result<JwtKeys> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
    };
    if let Some((private, public)) = &config.jwt_key_files {
        let previous = config
            .jwt_previous_keys
            .iter()
            .map(|(kid, path)| Ok((kid.clone(), read(path)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        return JwtKeys::from_pem(
            &read(private)?,
            &read(public)?,
            &config.jwt_kid,
            &previous,
            config.access_token_ttl,
        )
        .map_err(|e| anyhow::anyhow!("JWT key files: {e}"));
    }
    let secret = match &config.jwt_secret {
        Some(s) => s.clone(),
        None => {
            tracing::warn!(
                "KIOSQUE_JWT_SECRET is not set: using a random secret for this process only; \
                 tokens die at restart and are not shared between instances"
            );
            let mut bytes = vec![0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            bytes
        }
    };
    Ok(JwtKeys::hs256(&secret, config.access_token_ttl))
}

fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::LAST_MODIFIED,
            header::HeaderName::from_static("x-total-count"),
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(3600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}

/// Security headers on every response; a content policy that forbids everything but on the docs page.
async fn security_headers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let docs = req.path().starts_with("/docs");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    if !docs {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    Ok(res)
}

/// Counts each request against its caller's limit: staff per user (a valid bearer token), everyone
/// else per client address. Limited responses carry `RateLimit-*`; over the limit, a 429 problem with
/// `Retry-After`. Health checks are never limited.
async fn rate_limit(
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
async fn partner_key(state: &web::Data<AppState>, secret: String) -> Result<(i64, u32), ApiError> {
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

/// `Idempotency-Key` on POST: the first answer (2xx) of a caller's key is stored for 24 hours and
/// replayed for the same body; the same key with another body, or while the first request runs, is a
/// 409. A failed request frees its key.
async fn idempotency(
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
            let mut res =
                HttpResponse::build(StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK));
            let headers: Vec<(String, String)> = serde_json::from_str(&headers).unwrap_or_default();
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
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let kept: Vec<(String, String)> = ["content-type", "location", "etag", "cache-control"]
        .iter()
        .filter_map(|n| {
            head.headers()
                .get(*n)
                .and_then(|v| v.to_str().ok())
                .map(|v| (n.to_string(), v.to_owned()))
        })
        .collect();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let outcome = state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| {
                if status.is_success() {
                    let headers = serde_json::to_string(&kept).unwrap_or_default();
                    crate::db::idempotency::complete(
                        conn,
                        &caller,
                        &key,
                        status.as_u16() as i32,
                        &text,
                        &headers,
                    )?;
                } else {
                    crate::db::idempotency::release(conn, &caller, &key)?;
                }
                Ok(())
            })
        })
        .await;
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record an idempotent answer");
    }
    let res = head.set_body(bytes).map_into_boxed_body();
    Ok(actix_web::dev::ServiceResponse::new(http_req, res).map_into_right_body())
}

/// Answers HEAD like GET (the server sends the headers without the body).
async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Gives handler errors their `instance` (the request path): only error responses are rebuilt.
async fn problem_instance(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let rebuilt = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|api| api.response(Some(res.request().path())));
    Ok(match rebuilt {
        Some(new) => res.into_response(new),
        None => res.map_into_boxed_body(),
    })
}
