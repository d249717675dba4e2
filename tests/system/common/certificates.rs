//! Helpers of the certificate tests: a registered holder, a decided change
//! request, waiting for a certificate, verifying over HTTP.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{answer, my_number, TestApp};

/// A registration taken through payment and four-eyes approval; returns its id.
pub async fn registered(app: &TestApp, holder: &str, base: &str) -> String {
    app.registered(holder, &my_number(base), "ex-cert", "sr-cert")
        .await
        .0
}

/// Files a change request as the holder, pays it and has it approved.
pub async fn change(app: &TestApp, holder: &str, registration: &str, body: Value) -> String {
    let r = app
        .post_as(
            Role::Applicant,
            holder,
            &format!("/v1/registrations/{registration}/change-requests"),
            &body,
        )
        .await;
    let filed = answer(r, StatusCode::CREATED).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    if filed["status"] == "AWAITING_PAYMENT" {
        app.pay(&id).await;
    } else {
        app.settle().await;
    }
    app.claim_and_approve(&format!("/v1/change-requests/{id}"), "ex-cr", "sr-cr")
        .await;
    id
}

/// A re-issue of the certificate (the old one "lost"), paid and approved.
pub async fn reissue(app: &TestApp, holder: &str, registration: &str) -> String {
    change(
        app,
        holder,
        registration,
        json!({"kind": "REISSUE_CERTIFICATE", "reason": "lost"}),
    )
    .await
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

/// The text of the QR code in `image`, read with zbarimg. Only QR symbols:
/// with every symbology on, a run of printed text now and then also decodes
/// as a short linear barcode and its digits follow the URL on a second line.
pub fn scan_qr(image: &Path) -> String {
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .arg(image)
        .output()
        .expect("zbarimg (Debian zbar-tools) is installed");
    assert!(
        out.status.success(),
        "no QR code found in {}",
        image.display()
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
