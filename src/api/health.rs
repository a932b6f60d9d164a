//! `/health/live` and `/health/ready`.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "health", operation_id = "live", responses((status = 200, description = "Alive", body = Health)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok".into(),
        })
}

/// The database answers.
#[utoipa::path(tag = "health", operation_id = "ready", responses(
    (status = 200, description = "The database answers", body = Health),
    (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json"),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(|_| ApiError::unavailable())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok".into(),
        }))
}

/// Prometheus metrics: requests by method and status class, latency, database pool.
#[utoipa::path(tag = "health", operation_id = "metrics", responses(
    (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (connections, idle) = state.db.pool_state();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(state.metrics.render(connections, idle))
}
