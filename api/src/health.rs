//! Liveness and readiness (the metrics are on their own listener: `metrics`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::Problem;
use crate::AppState;

/// The answer of `/livez` and `/readyz` when all is well.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (alive) or `ready`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/livez")]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Whether this process takes new work: false from the moment it was told to
/// stop, so that load balancers take it out before its listener closes.
#[derive(Debug, Default)]
pub struct Readiness {
    draining: AtomicBool,
}

impl Readiness {
    /// From now on `/readyz` answers 503.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether [`Self::drain`] was called.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

/// This process can serve: it is not shutting down and its connection pool
/// answers. A stuck subscription does not make it unready (every replica
/// would turn unready at once); it shows in the metrics and the log.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Shutting down, or the database does not answer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(
    state: web::Data<AppState>,
    readiness: Option<web::Data<Readiness>>,
) -> HttpResponse {
    let problem = if readiness.is_some_and(|r| r.is_draining()) {
        Some("shutting down")
    } else {
        let ping = sqlx::query("SELECT 1").execute(&state.pool);
        match tokio::time::timeout(Duration::from_secs(2), ping).await {
            Ok(Ok(_)) => None,
            _ => Some("the database does not answer"),
        }
    };
    match problem {
        None => HttpResponse::Ok().json(Health { status: "ready" }),
        Some(detail) => HttpResponse::ServiceUnavailable()
            .content_type("application/problem+json")
            .insert_header(("Retry-After", "5"))
            .json(serde_json::json!({
                "type": "urn:shikaku:problem:not_ready",
                "title": "Service unavailable",
                "status": 503,
                "detail": detail,
                "code": "NOT_READY",
            })),
    }
}
