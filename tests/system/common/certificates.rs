//! Helpers of the certificate tests: a registered holder, a decided change
//! request, waiting for a certificate, verifying over HTTP.

use std::time::{Duration, Instant};

use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{my_number, TestApp};

/// A registration taken through payment and four-eyes approval; returns its id.
pub async fn registered(app: &TestApp, holder: &str, base: &str) -> String {
    let id = app.claimed(holder, &my_number(base), "ex-cert").await;
    let r = app
        .post(
            &format!("/v1/registrations/{id}/decision-proposals"),
            &app.token(Role::Examiner, "ex-cert"),
            &json!({"outcome": "APPROVE"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            &format!("/v1/registrations/{id}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-cert"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    id
}

/// Files a change request as the holder, pays it and has it approved.
pub async fn change(app: &TestApp, holder: &str, registration: &str, body: Value) -> String {
    let r = app
        .post(
            &format!("/v1/registrations/{registration}/change-requests"),
            &app.token(Role::Applicant, holder),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let filed: Value = r.json().await.unwrap();
    let id = filed["id"].as_str().unwrap().to_owned();
    if filed["status"] == "AWAITING_PAYMENT" {
        app.pay(&id).await;
    } else {
        app.settle().await;
    }
    let examiner = app.token(Role::Examiner, "ex-cr");
    for (path, token) in [
        ("assignment", &examiner),
        ("decision-proposals", &examiner),
        (
            "decision-approvals",
            &app.token(Role::SeniorExaminer, "sr-cr"),
        ),
    ] {
        let body = if path == "decision-proposals" {
            json!({"outcome": "APPROVE"})
        } else {
            json!({})
        };
        let r = app
            .post(&format!("/v1/change-requests/{id}/{path}"), token, &body)
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    id
}

/// Waits (up to 60 s) for the holder's certificate to satisfy `ready`.
pub async fn certificate_when(
    app: &TestApp,
    holder: &str,
    registration: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    let token = app.token(Role::Applicant, holder);
    loop {
        let r = app
            .get(
                &format!("/v1/registrations/{registration}/certificate"),
                &token,
            )
            .await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        if status == StatusCode::OK && ready(&body) {
            return body;
        }
        assert!(
            status == StatusCode::OK || body["code"] == "CERTIFICATE_NOT_ISSUED",
            "{status} {body}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no certificate within 60 s: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The holder's first certificate.
pub async fn certificate(app: &TestApp, holder: &str, registration: &str) -> Value {
    certificate_when(app, holder, registration, |_| true).await
}

/// POST /v1/certificate-verifications with `token`; asserts 200.
pub async fn verify(app: &TestApp, token: &str) -> Value {
    let r = app
        .http
        .post(format!("{}/v1/certificate-verifications", app.base))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}
