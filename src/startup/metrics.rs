//! The metrics listener (SHIKAKU_METRICS_BIND): `GET /metrics` only, apart
//! from the public API so it is neither exposed nor in its spec.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use api::metrics::Metrics;
use sqlx::PgPool;

const OPENMETRICS: &str = "application/openmetrics-text";

/// Serves `metrics` on `listener`, reading the database figures from `pool`,
/// and starts the pool's acquire probe (it ends when the pool is closed).
pub(super) fn serve(
    listener: TcpListener,
    pool: PgPool,
    metrics: Arc<Metrics>,
) -> std::io::Result<Server> {
    tokio::spawn(metrics.pool_probe().run(pool.clone()));
    let pool = web::Data::new(pool);
    let metrics = web::Data::from(metrics);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .app_data(metrics.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// The classic text format, or OpenMetrics when the scraper asks for it.
async fn scrape(
    req: HttpRequest,
    pool: web::Data<PgPool>,
    metrics: web::Data<Metrics>,
) -> HttpResponse {
    let openmetrics = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(OPENMETRICS));
    let body = metrics.scrape(&pool, openmetrics).await;
    let content_type = if openmetrics {
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    } else {
        "text/plain; version=0.0.4; charset=utf-8"
    };
    HttpResponse::Ok().content_type(content_type).body(body)
}
