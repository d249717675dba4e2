//! Outgoing webhooks: deliveries a receiver verifies with the Standard
//! Webhooks reference library, retried in order, a subscription disabled
//! after failing, and every refusal.

mod delivery;
mod management;

use crate::support::webhooks as receiver;

use std::sync::Arc;
use std::time::Duration;

use crate::common::{answer, application, my_number, spawn_app, spawn_app_with, TestApp};
use domain::Role;
use eventstore::subscription::Subscription;
use receiver::WebhookReceiver;
use reqwest::StatusCode;
use serde_json::{json, Value};
use workers::webhook::PublicFeed;

/// Subscribes `url` as `ministry`; returns the created subscription.
async fn subscribe(app: &TestApp, ministry: &str, url: &str, types: &[&str]) -> Value {
    let r = app
        .post_as(
            Role::Ministry,
            ministry,
            "/v1/webhook-subscriptions",
            &json!({"url": url, "event_types": types}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/v1/webhook-subscriptions/{}", body["id"].as_str().unwrap())
    );
    body
}

async fn deliveries(app: &TestApp, ministry: &str, id: &str) -> Vec<Value> {
    let r = app
        .get_as(
            Role::Ministry,
            ministry,
            &format!("/v1/webhook-subscriptions/{id}/deliveries"),
        )
        .await;
    let body = answer(r, StatusCode::OK).await;
    body["items"].as_array().unwrap().clone()
}

async fn subscriptions(app: &TestApp, ministry: &str) -> Vec<Value> {
    let r = app
        .get_as(Role::Ministry, ministry, "/v1/webhook-subscriptions")
        .await;
    let body = answer(r, StatusCode::OK).await;
    body["items"].as_array().unwrap().clone()
}

/// Submits an application without waiting for the jobs it causes.
async fn submit(app: &TestApp, applicant: &str, base: &str) -> String {
    let r = app
        .post_as(
            Role::Applicant,
            applicant,
            "/v1/registrations",
            &application(&my_number(base)),
        )
        .await;
    let body = answer(r, StatusCode::CREATED).await;
    body["id"].as_str().unwrap().to_owned()
}

/// Asks for a test message on subscription `id` as MHLW.
async fn send_test(app: &TestApp, id: &str) -> reqwest::Response {
    app.post_as(
        Role::Ministry,
        "MHLW",
        &format!("/v1/webhook-subscriptions/{id}/test"),
        &json!({}),
    )
    .await
}
