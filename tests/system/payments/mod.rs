//! Online payment through Stripe Checkout, against a local fake of Stripe's
//! API: the session the worker opens, signed webhooks (good, bad, expired,
//! replayed, out of order), a mismatched amount, reconciliation of a lost
//! webhook, the refund of a withdrawn case, and a worker killed mid-request.

mod checkout;
mod refunds;
mod settlement;

use crate::common;
use crate::fake_stripe;

use std::time::Duration;

use crate::common::{application, my_number, spawn_app_with, TestApp};
use domain::Role;
use fake_stripe::FakeStripe;
use reqwest::StatusCode;
use serde_json::{json, Value};
use stripe_webhook::Webhook;

const WEBHOOK_SECRET: &str = "whsec_test_secret";

async fn stripe_app(fake: &FakeStripe) -> TestApp {
    spawn_app_with(with_stripe(fake)).await
}

/// Settings that take payments through `fake`.
fn with_stripe(fake: &FakeStripe) -> impl FnOnce(&mut shikaku::config::Settings) {
    let base = fake.base.clone();
    move |s| {
        s.stripe_secret_key = Some("sk_test_shikaku".into());
        s.stripe_webhook_secret = Some(WEBHOOK_SECRET.into());
        s.stripe_api_base = base;
        s.stripe_reconcile_after_seconds = 1;
    }
}

/// A Stripe event around a Checkout Session object.
fn event(id: &str, event_type: &str, session: &Value) -> String {
    json!({
        "id": id, "object": "event", "api_version": "2025-09-30.clover", "created": 1_763_900_000,
        "livemode": false, "pending_webhooks": 1, "request": null, "type": event_type,
        "data": {"object": session},
    })
    .to_string()
}

async fn deliver(app: &TestApp, body: &str, signature: Option<String>) -> reqwest::Response {
    let mut r = app
        .http
        .post(format!("{}/v1/payments/stripe-webhook", app.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(sig) = signature {
        r = r.header("stripe-signature", sig);
    }
    r.send().await.unwrap()
}

async fn signed(app: &TestApp, body: &str) -> reqwest::Response {
    deliver(
        app,
        body,
        Some(Webhook::generate_test_header(body, WEBHOOK_SECRET, None)),
    )
    .await
}

async fn inbox(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM stripe_inbox")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// An application whose checkout session is open; the session's id.
async fn applied(app: &TestApp, fake: &FakeStripe, who: &str, base: &str) -> (String, String) {
    let id = app.apply(who, &my_number(base)).await;
    let url = app.checkout_url(&id).await;
    let session_id = url.rsplit('/').next().unwrap().to_owned();
    assert!(session_id.starts_with("cs_test_"), "{url}");
    assert_eq!(
        fake.session(&session_id)["metadata"]["case_id"],
        id.as_str()
    );
    (id, session_id)
}

impl TestApp {
    async fn sandbox_page(&self, id: &str) -> StatusCode {
        self.http
            .post(format!("{}/sandbox/payments/{id}/pay", self.base))
            .send()
            .await
            .unwrap()
            .status()
    }
}

/// Starts `shikaku serve` as its own process; its base URL.
fn serve(
    database_url: &str,
    fake: &FakeStripe,
    data_dir: &std::path::Path,
) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env("SHIKAKU_DATA_DIR", data_dir)
        .env("SHIKAKU_JWT_SECRET", crate::common::JWT_SECRET)
        .env("SHIKAKU_VAULT_KEY", crate::common::VAULT_KEY)
        .env("SHIKAKU_STRIPE_SECRET_KEY", "sk_test_shikaku")
        .env("SHIKAKU_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("SHIKAKU_STRIPE_API_BASE", &fake.base)
        .env("SHIKAKU_JOB_LEASE_SECONDS", "2")
        .env("SHIKAKU_JOB_BACKOFF_BASE_MS", "50")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = std::io::BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    // Keep draining, or the server's next println! would die of a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    (child, base)
}
