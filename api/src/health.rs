//! Liveness, readiness and Prometheus metrics.

use std::fmt::Write;
use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use sqlx::Row;
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

/// The database answers and no subscription has been failing for more than 30 seconds.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Database down or a subscription stuck", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let problem = match eventstore::subscription::stuck(&state.pool, Duration::from_secs(30)).await
    {
        Ok(stuck) if stuck.is_empty() => None,
        Ok(stuck) => Some(format!("subscriptions stuck: {}", stuck.join(", "))),
        Err(_) => Some("the database does not answer".to_owned()),
    };
    match problem {
        None => HttpResponse::Ok().json(Health { status: "ready" }),
        Some(detail) => HttpResponse::ServiceUnavailable()
            .content_type("application/problem+json")
            .json(serde_json::json!({
                "type": "urn:shikaku:problem:not_ready",
                "title": "Service unavailable",
                "status": 503,
                "detail": detail,
                "code": "NOT_READY",
            })),
    }
}

/// Subscription progress and the job queue per kind, in Prometheus text format.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus metrics", content_type = "text/plain"),
        (status = 503, description = "The database does not answer (empty body)"),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let rows = sqlx::query(
        "SELECT name, events_processed, (last_error IS NOT NULL) AS failing,
                extract(epoch FROM now() - updated_at)::float8 AS idle_seconds
         FROM subscription_checkpoints ORDER BY name",
    )
    .fetch_all(&state.pool)
    .await;
    let Ok(rows) = rows else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let mut out = String::new();
    out.push_str("# TYPE shikaku_subscription_events_processed counter\n");
    for r in &rows {
        let name: String = r.get("name");
        let _ = writeln!(
            out,
            "shikaku_subscription_events_processed{{subscription=\"{name}\"}} {}",
            r.get::<i64, _>("events_processed")
        );
    }
    out.push_str("# TYPE shikaku_subscription_failing gauge\n");
    for r in &rows {
        let name: String = r.get("name");
        let _ = writeln!(
            out,
            "shikaku_subscription_failing{{subscription=\"{name}\"}} {}",
            u8::from(r.get::<bool, _>("failing"))
        );
    }
    let Ok(jobs) = workers::jobs::stats(&state.pool).await else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    out.push_str("# TYPE shikaku_jobs gauge\n");
    for k in &jobs {
        for (name, n) in [
            ("queued", k.queued),
            ("running", k.running),
            ("dead", k.dead),
            ("succeeded", k.succeeded),
        ] {
            let _ = writeln!(
                out,
                "shikaku_jobs{{kind=\"{}\",state=\"{name}\"}} {n}",
                k.kind
            );
        }
    }
    out.push_str("# TYPE shikaku_jobs_oldest_queued_age_seconds gauge\n");
    for k in &jobs {
        let _ = writeln!(
            out,
            "shikaku_jobs_oldest_queued_age_seconds{{kind=\"{}\"}} {}",
            k.kind, k.oldest_queued_age_seconds
        );
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}
