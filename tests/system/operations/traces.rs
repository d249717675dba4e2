//! Traces over OTLP/HTTP: `serve` with OTEL_EXPORTER_OTLP_ENDPOINT sends the
//! spans of a request that carried a W3C `traceparent` to the collector (a
//! real HTTP server on port 0 here) in the caller's trace, with the command
//! it ran; and a webhook delivery carries its job's `traceparent`.

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

use super::*;
use crate::common::fresh_database;

/// A span as the collector got it: trace id, span id, parent id (hex), name.
#[derive(Debug, Clone)]
struct Span {
    trace: String,
    id: String,
    parent: String,
    name: String,
}

/// What the collector and the webhook receiver got.
#[derive(Default)]
struct Collected {
    spans: Vec<Span>,
    traceparents: Vec<String>,
}

type Shared = web::Data<Mutex<Collected>>;

async fn export(body: web::Bytes, got: Shared) -> HttpResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body.as_ref()) else {
        return HttpResponse::BadRequest().finish();
    };
    let spans = request
        .resource_spans
        .into_iter()
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .map(|s| Span {
            trace: hex::encode(s.trace_id),
            id: hex::encode(s.span_id),
            parent: hex::encode(s.parent_span_id),
            name: s.name,
        });
    got.lock().unwrap().spans.extend(spans);
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .body(ExportTraceServiceResponse::default().encode_to_vec())
}

async fn hook(req: HttpRequest, got: Shared) -> HttpResponse {
    if let Some(v) = req.headers().get("traceparent") {
        let v = v.to_str().unwrap_or_default().to_owned();
        got.lock().unwrap().traceparents.push(v);
    }
    HttpResponse::NoContent().finish()
}

/// The collector (`/v1/traces`) and webhook receiver (`/hook`): its base URL.
fn collector() -> (String, Arc<Mutex<Collected>>) {
    let got = web::Data::new(Mutex::new(Collected::default()));
    let shared = got.clone().into_inner();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(got.clone())
            .route("/v1/traces", web::post().to(export))
            .route("/hook", web::post().to(hook))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (base, shared)
}

/// Waits up to 30 s for `found` to find something in what was collected.
async fn wait_for<T>(got: &Mutex<Collected>, found: impl Fn(&Collected) -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(t) = found(&got.lock().unwrap()) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = got.lock().unwrap();
    panic!(
        "not collected; spans {:?}, traceparents {:?}",
        got.spans, got.traceparents
    );
}

#[tokio::test]
async fn a_request_joins_the_callers_trace_and_a_webhook_carries_its_jobs() {
    let url = fresh_database().await;
    let (base, got) = collector();
    let replica = Replica::start(
        &url,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", base.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let http = reqwest::Client::new();
    subscribe(&http, &replica.base, &format!("{base}/hook")).await;

    let trace = uuid::Uuid::new_v4().simple().to_string();
    let caller = &uuid::Uuid::new_v4().simple().to_string()[..16];
    let r = http
        .post(format!("{}/v1/registrations", replica.base))
        .bearer_auth(token(Role::Applicant, "ops-traced"))
        .header("traceparent", format!("00-{trace}-{caller}-01"))
        .json(&application(&my_number("42000000001")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // The request's span is the caller's child; the command it ran is in
    // the same trace.
    let request = wait_for(&got, |c| {
        c.spans
            .iter()
            .find(|s| s.trace == trace && s.name == "http")
            .cloned()
    })
    .await;
    assert_eq!(request.parent, caller, "{request:?}");
    wait_for(&got, |c| {
        c.spans
            .iter()
            .find(|s| s.trace == trace && s.name == "command")
            .cloned()
    })
    .await;

    // The delivery's traceparent names the delivery job's span.
    let traceparent = wait_for(&got, |c| c.traceparents.first().cloned()).await;
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    let job = wait_for(&got, |c| {
        c.spans
            .iter()
            .find(|s| s.trace == parts[1] && s.id == parts[2])
            .cloned()
    })
    .await;
    assert_eq!(job.name, "job", "{job:?}");
    let got = got.lock().unwrap();
    assert!(
        got.spans.iter().any(|s| s.name == "subscription_batch"),
        "{:?}",
        got.spans
    );
}
