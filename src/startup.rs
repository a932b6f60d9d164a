//! Wiring: state, routes, extractor error handlers mapped to problem+json, the OpenAPI document.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// The OpenAPI document, collected from the same route table the server runs.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(api::ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/v1").configure(api::routes::v1))
        .configure(api::routes::root)
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    api::add_common_responses(&mut doc);
    api::contract::constrain(&mut doc);
    doc
}

/// The document as served and committed (pretty JSON with a final newline).
pub fn openapi_json() -> String {
    document_json(&openapi())
}

/// `doc` written as served: the serialised document with the body rules, partial schemas and links.
fn document_json(doc: &utoipa::openapi::OpenApi) -> String {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    api::contract::finish(&mut doc);
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// A started server and the address it listens on.
pub struct Application {
    pub server: Server,
    pub addr: std::net::SocketAddr,
    /// The webhook worker, when this instance runs one: stop it once the server has stopped, and
    /// await it, so that the delivery in hand is finished and recorded.
    pub worker: Option<(crate::webhooks::Stop, actix_web::rt::task::JoinHandle<()>)>,
}

impl Application {
    /// Opens the database (migrating and seeding as configured) and binds the listener.
    pub fn build(config: Config) -> anyhow::Result<Application> {
        let mut db = Db::for_config(&config, config.db_pool_size)?;
        db.migrate()?;
        if !config.replica_urls.is_empty() {
            db = db.with_replicas(crate::db::replicas::Replicas::open(
                &config.replica_urls,
                config.db_pool_size,
                config.replica_fresh,
            )?);
        }
        crate::content::seed::on_start(&db, &config)?;
        let jwt = jwt_keys(&config)?;
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        let addr = listener.local_addr()?;
        let workers = config.workers;
        let pool_size = config.db_pool_size;
        let shutdown_timeout = config.shutdown_timeout;
        let cors_origins = config.cors_origins.clone();
        // Over PostgreSQL, several instances may serve one database: each tells the others of its
        // writes, and empties its caches when they write (`peers`).
        let peers = (db.backend == crate::db::Backend::Postgres && config.peers)
            .then(|| Arc::new(crate::peers::Peers::new(db.replicas.clone())));
        let responses = web::Data::new(crate::middleware::response_cache::ResponseCache::new(
            config.response_cache,
            peers.clone(),
        ));
        let caches = Arc::new(
            crate::state::Caches::new(config.related_max_age)
                .with_search_cache(config.search_cache),
        );
        if let Some(peers) = &peers {
            let (kept, caches) = (
                Arc::downgrade(&responses.clone().into_inner()),
                Arc::downgrade(&caches),
            );
            crate::peers::start(
                config.database_url.clone(),
                peers,
                Box::new(move || match (kept.upgrade(), caches.upgrade()) {
                    (Some(kept), Some(caches)) => {
                        kept.clear();
                        caches.clear();
                        true
                    }
                    _ => false,
                }),
            );
        }
        let state = web::Data::new(AppState {
            db,
            config: Arc::new(config),
            jwt,
            limiter: Arc::new(crate::ratelimit::MemoryLimiter::default()),
            metrics: crate::metrics::Metrics::default(),
            caches,
        });
        let worker = state.config.webhooks.worker.then(|| {
            let stop = crate::webhooks::Stop::default();
            let task = actix_web::rt::spawn(crate::webhooks::run(state.clone(), stop.clone()));
            (stop, task)
        });
        // One document, built once: served as JSON, and read by the gate.
        let doc = openapi();
        let spec = web::Data::new(document_json(&doc));
        let routes = web::Data::new(crate::middleware::gate::RouteTable::from_doc(&doc));
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(responses.clone())
                .app_data(spec.clone())
                .app_data(routes.clone())
                .app_data(web::PayloadConfig::new(crate::state::JSON_LIMIT))
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .app_data(web::PathConfig::default().error_handler(path_error))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::response_cache::middleware,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::idempotency::idempotency,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::gate::gate,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::problem_instance,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::rate_limit::rate_limit,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::security_headers,
                ))
                .wrap(actix_web::middleware::Condition::new(
                    !cors_origins.is_empty(),
                    crate::middleware::cors(&cors_origins),
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::access_log,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::request_id,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::head_as_get,
                ))
                .into_utoipa_app()
                .service(utoipa_actix_web::scope("/v1").configure(api::routes::v1))
                .configure(api::routes::root)
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
        let workers = if workers > 0 {
            workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        };
        // Every blocking task holds a database connection: more tasks than the pool has connections
        // only wait for one, each with its own thread and allocator heap (under 32 connections of
        // related articles, 32 such threads held 490 MB). So the workers' blocking threads share the
        // pool's size between them.
        server = server
            .workers(workers)
            .worker_max_blocking_threads((pool_size as usize).div_ceil(workers).max(1));
        // SIGTERM and SIGINT stop accepting at once; in-flight requests get this long to finish.
        server = server.shutdown_timeout(shutdown_timeout.as_secs());
        Ok(Application {
            server: server.run(),
            addr,
            worker,
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
