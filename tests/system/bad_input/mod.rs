//! Every kind of bad input gets a clear problem+json answer, never a 500, and
//! leaves the application exactly as it was.

mod access;
mod bodies;
mod transitions;

use crate::common::{self, application, my_number, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A problem whose body names its code, title and detail.
async fn problem(r: reqwest::Response, status: StatusCode) -> Value {
    let body = common::problem(r, status).await;
    assert_eq!(body["status"], status.as_u16());
    assert!(body["code"].is_string() && body["title"].is_string() && body["detail"].is_string());
    body
}

fn pointers(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["pointer"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn raw_post(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.http
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count_registrations(app: &TestApp) -> i64 {
    // Cases only: the catalogue's event is published at start.
    sqlx::query_scalar(
        "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_type <> 'catalogue'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}
