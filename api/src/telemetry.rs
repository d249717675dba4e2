//! Request ids, tracing spans and request metrics: every request gets an
//! `x-request-id` (the caller's, or a new one), echoed in the response and on
//! every log line, and its duration is observed by route template and status.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;
use uuid::Uuid;

const REQUEST_ID: &str = "x-request-id";

/// The id of the current request, recorded in event metadata.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Who asks, and this request's id, as the use cases record them.
pub fn context(req: &actix_web::HttpRequest, actor: &domain::Actor) -> crate::application::Context {
    crate::application::Context {
        actor: actor.clone(),
        request_id: req.extensions().get::<RequestId>().map(|id| id.0.clone()),
    }
}

/// Whether a client's request id may be kept: it is stored in event metadata
/// and printed in logs, so only a short token of letters, digits and `-_.:`.
fn plain(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Counts the request in the pressure gauge while it is handled, so that
/// background work yields to it.
pub async fn in_flight(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let _counted = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .map(|state| state.pressure.enter());
    next.call(req).await
}

/// Assigns the request id and wraps the request in a span.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| plain(v))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    // W3C trace context: the trace id joins our span to the caller's trace.
    let trace_id = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split('-').nth(1))
        .filter(|t| t.len() == 32)
        .unwrap_or("")
        .to_owned();
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let metrics = req
        .app_data::<actix_web::web::Data<crate::metrics::Metrics>>()
        .cloned();
    // The path only: query strings and bodies are never logged.
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        trace_id = %trace_id,
        method = %req.method(),
        path = %req.path(),
        status = tracing::field::Empty,
    );
    // Joins the caller's trace when tracing is on.
    workers::trace_context::follow(&span, |name| {
        req.headers().get(name).and_then(|v| v.to_str().ok())
    });
    let mut res = next.call(req).instrument(span.clone()).await?;
    span.record("status", res.status().as_u16());
    if let Some(metrics) = metrics {
        // The route's template, never the path: ids would make a series each.
        let route = res.request().match_pattern();
        metrics.observe_request(
            method.as_str(),
            route.as_deref().unwrap_or("unmatched"),
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    span.in_scope(|| tracing::info!("request done"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        assert!(plain("5f0c6e1a-0b7e-4c55-9d0f-0e1c2f3a4b5c"));
        assert!(plain("ministry.batch-42:7"));
        assert!(!plain(""));
        assert!(!plain(&"a".repeat(65)));
        assert!(!plain("<script>"));
        assert!(!plain("a b"));
        assert!(!plain("name=山田"));
    }
}
