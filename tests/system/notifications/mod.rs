//! Notifications against a real SMTP server (aiosmtpd, started per test):
//! the messages of whole procedures, their language and headers, the inbox,
//! exactly-once delivery across restarts and rebuilds, refusals, and the
//! addressee of a death notification.

mod addressees;
mod batch;
mod delivery;
mod inbox;
mod mail_batch;
mod procedure;

use crate::support::smtp;

use std::time::Duration;

use crate::common::{
    application, fresh_database, my_number, spawn_app_with, test_settings, TestApp,
};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shikaku::Application;
use smtp::SmtpServer;

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Applies with `body` as `sub`; returns the case id.
async fn apply(app: &TestApp, sub: &str, body: Value) -> String {
    let r = app
        .post_as(Role::Applicant, sub, "/v1/registrations", &body)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    ok(r).await["id"].as_str().unwrap().to_owned()
}

async fn examine(app: &TestApp, id: &str, path: &str, body: Value) -> Value {
    let examiner = app.token(Role::Examiner, "ex-1");
    ok(app
        .post(&format!("/v1/registrations/{id}/{path}"), &examiner, &body)
        .await)
    .await
}

async fn approve(app: &TestApp, id: &str) -> Value {
    examine(app, id, "decision-proposals", json!({"outcome": "APPROVE"})).await;
    ok(app
        .post_as(
            Role::SeniorExaminer,
            "sr-1",
            &format!("/v1/registrations/{id}/decision-approvals"),
            &json!({}),
        )
        .await)
    .await
}

async fn inbox(app: &TestApp, sub: &str, query: &str) -> Value {
    ok(app
        .get_as(Role::Applicant, sub, &format!("/v1/notifications{query}"))
        .await)
    .await
}

fn subjects(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect()
}

async fn with_smtp(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |s| s.smtp_url = url).await
}
