//! Online payment through Stripe Checkout, against a local fake of Stripe's
//! API: the session the worker opens, signed webhooks (good, bad, expired,
//! replayed, out of order), a mismatched amount, reconciliation of a lost
//! webhook, the refund of a withdrawn case, and a worker killed mid-request.

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
    let base = fake.base.clone();
    spawn_app_with(move |s| {
        s.stripe_secret_key = Some("sk_test_shikaku".into());
        s.stripe_webhook_secret = Some(WEBHOOK_SECRET.into());
        s.stripe_api_base = base;
        s.stripe_reconcile_after_seconds = 1;
    })
    .await
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

#[tokio::test]
async fn the_worker_opens_one_checkout_session_with_the_fee_in_whole_yen() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, session_id) = applied(&app, &fake, "a", "40000000001").await;

    let creates = fake.creates();
    assert_eq!(creates.len(), 1);
    let sent = &creates[0];
    assert_eq!(
        sent.authorization.as_deref(),
        Some("Bearer sk_test_shikaku")
    );
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some(format!("checkout-{id}-fee12320-0").as_str()),
        "derived from the case and the fee assessment, not random"
    );
    let f = &sent.form;
    assert_eq!(f["mode"], "payment");
    assert_eq!(f["line_items[0][price_data][currency]"], "jpy");
    assert_eq!(f["line_items[0][price_data][unit_amount]"], "12320");
    assert_eq!(f["line_items[0][quantity]"], "1");
    assert_eq!(f["client_reference_id"], id);
    assert_eq!(f["metadata[case_id]"], id);
    assert_eq!(f["metadata[case_type]"], "registration");
    assert!(f["success_url"].starts_with(&format!("{}/payments/return?case_id={id}", app.base)));
    assert!(f["cancel_url"].starts_with(&app.base));

    let seen = app.registration(&id).await;
    assert_eq!(seen["payment"]["status"], "PENDING");
    assert_eq!(
        seen["payment"]["checkout_url"],
        format!("https://checkout.stripe.test/c/pay/{session_id}")
    );
    // With Stripe as the gateway the sandbox is not there.
    let r = app.sandbox_page(&id).await;
    assert_eq!(r, StatusCode::NOT_FOUND);
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

#[tokio::test]
async fn a_signed_completion_settles_once_and_bad_deliveries_store_nothing() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, session_id) = applied(&app, &fake, "b", "40000000002").await;
    let paid = fake.pay(&session_id, "pi_test_1");
    let body = event("evt_1", "checkout.session.completed", &paid);

    // Missing, wrong and expired signatures: 400, nothing stored.
    let r = deliver(&app, &body, None).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "INVALID_STRIPE_SIGNATURE");
    let wrong = Webhook::generate_test_header(&body, "whsec_someone_else", None);
    assert_eq!(
        deliver(&app, &body, Some(wrong)).await.status(),
        StatusCode::BAD_REQUEST
    );
    let tampered = Webhook::generate_test_header(&body, WEBHOOK_SECRET, None);
    let other = body.replace("12320", "1");
    assert_eq!(
        deliver(&app, &other, Some(tampered)).await.status(),
        StatusCode::BAD_REQUEST
    );
    let old = chrono::Utc::now().timestamp() - 301;
    let expired = Webhook::generate_test_header(&body, WEBHOOK_SECRET, Some(old));
    assert_eq!(
        deliver(&app, &body, Some(expired)).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(inbox(&app).await, 0);
    app.settle().await;
    assert_eq!(app.registration(&id).await["payment"]["status"], "PENDING");

    // The good one settles; a replay of it changes nothing.
    let r = signed(&app, &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["first_delivery"], true);
    app.settle().await;
    let seen = app.registration(&id).await;
    assert_eq!(seen["status"], "UNDER_EXAMINATION");
    assert_eq!(seen["payment"]["status"], "PAID");
    let version = seen["version"].clone();
    let r = signed(&app, &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["first_delivery"], false);
    // A different event id for the same payment settles nothing twice either.
    signed(
        &app,
        &event("evt_2", "checkout.session.async_payment_succeeded", &paid),
    )
    .await;
    app.settle().await;
    assert_eq!(app.registration(&id).await["version"], version);
    let settled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_id = $1 AND event_type = 'PaymentSettled'",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(settled, 1);
    assert_eq!(inbox(&app).await, 2);
}

#[tokio::test]
async fn a_payment_of_another_amount_is_flagged_not_recorded() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, session_id) = applied(&app, &fake, "c", "40000000003").await;
    let mut paid = fake.pay(&session_id, "pi_test_short");
    paid["amount_total"] = json!(1000);
    signed(
        &app,
        &event("evt_short", "checkout.session.completed", &paid),
    )
    .await;
    app.settle().await;
    let seen = app.registration(&id).await;
    assert_eq!(seen["status"], "AWAITING_PAYMENT");
    assert_eq!(seen["payment"]["status"], "PENDING");
    let examiner = app.token(Role::Examiner, "e-1");
    let queue: Value = app
        .get("/v1/queue?status=AWAITING_PAYMENT", &examiner)
        .await
        .json()
        .await
        .unwrap();
    let case = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(case["flags"], json!(["PAYMENT_MISMATCH"]));

    // The right amount settles; the flag stays for the examiner to sort out
    // the first payment, beside the registers' answer.
    paid["amount_total"] = json!(12320);
    signed(
        &app,
        &event("evt_right", "checkout.session.completed", &paid),
    )
    .await;
    app.settle().await;
    let seen = app.registration(&id).await;
    assert_eq!(seen["payment"]["status"], "PAID");
    assert_eq!(seen["flags"], json!(["PAYMENT_MISMATCH"]));
    let queue: Value = app
        .get("/v1/queue?status=UNDER_EXAMINATION", &examiner)
        .await
        .json()
        .await
        .unwrap();
    let flags = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_id"] == id.as_str())
        .map(|c| c["flags"].clone());
    assert_eq!(flags, Some(json!(["PAYMENT_MISMATCH"])));
}

#[tokio::test]
async fn an_expired_session_before_the_completion_ends_paid_once_with_a_fresh_session() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, first) = applied(&app, &fake, "d", "40000000004").await;
    let mut expired = fake.session(&first);
    expired["status"] = json!("expired");
    // Out of order: the expiry arrives first, then the (earlier) completion.
    signed(
        &app,
        &event("evt_exp", "checkout.session.expired", &expired),
    )
    .await;
    app.settle().await;
    let fresh = app.checkout_url(&id).await;
    assert!(
        !fresh.ends_with(&first),
        "a new session replaced the expired one"
    );
    let keys: Vec<_> = fake
        .creates()
        .into_iter()
        .map(|r| r.idempotency_key.unwrap())
        .collect();
    assert_eq!(
        keys,
        vec![
            format!("checkout-{id}-fee12320-0"),
            format!("checkout-{id}-fee12320-1")
        ]
    );
    let paid = fake.pay(&first, "pi_test_late");
    signed(
        &app,
        &event("evt_done", "checkout.session.completed", &paid),
    )
    .await;
    app.settle().await;
    let seen = app.registration(&id).await;
    assert_eq!(seen["payment"]["status"], "PAID");
    assert_eq!(seen["payment"]["checkout_url"], Value::Null);
}

#[tokio::test]
async fn reconciliation_settles_a_paid_session_whose_webhook_never_came() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, session_id) = applied(&app, &fake, "e", "40000000005").await;
    fake.pay(&session_id, "pi_test_lost_webhook");
    for _ in 0..200 {
        if app.registration(&id).await["payment"]["status"] == "PAID" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = app.registration(&id).await;
    assert_eq!(
        seen["payment"]["status"], "PAID",
        "reconciled without a webhook"
    );
    assert!(fake
        .received()
        .iter()
        .any(|r| r.method == "GET" && r.path == format!("/v1/checkout/sessions/{session_id}")));
}

#[tokio::test]
async fn withdrawing_a_paid_case_refunds_the_fee_once() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, session_id) = applied(&app, &fake, "f", "40000000006").await;
    let paid = fake.pay(&session_id, "pi_test_refund");
    signed(
        &app,
        &event("evt_paid", "checkout.session.completed", &paid),
    )
    .await;
    app.settle().await;
    let owner = app.token(Role::Applicant, "f");
    let r = app
        .post(
            &format!("/v1/registrations/{id}/withdrawal"),
            &owner,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    let refunds: Vec<_> = fake
        .received()
        .into_iter()
        .filter(|r| r.path == "/v1/refunds")
        .collect();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].form["payment_intent"], "pi_test_refund");
    assert_eq!(refunds[0].form["amount"], "12320");
    assert_eq!(refunds[0].idempotency_key, Some(format!("refund-{id}")));
    let seen: Value = app
        .get(&format!("/v1/registrations/{id}"), &owner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["status"], "WITHDRAWN");
    assert_eq!(seen["payment"]["status"], "REFUNDED");
    assert_eq!(seen["payment"]["refund"]["amount"], 12320);
    assert!(seen["payment"]["refund"]["issued_at"].is_string());
}

#[tokio::test]
async fn an_unpaid_withdrawal_refunds_nothing() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, _) = applied(&app, &fake, "g", "40000000007").await;
    let owner = app.token(Role::Applicant, "g");
    app.post(
        &format!("/v1/registrations/{id}/withdrawal"),
        &owner,
        &json!({}),
    )
    .await;
    app.settle().await;
    assert!(fake.received().iter().all(|r| r.path != "/v1/refunds"));
    let seen = app.registration(&id).await;
    assert_eq!(seen["payment"]["refund"], Value::Null);
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
        .env("SHIKAKU_JWT_SECRET", "test-secret")
        .env("SHIKAKU_VAULT_KEY", "11".repeat(32))
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

#[tokio::test]
async fn a_worker_killed_mid_checkout_reuses_the_idempotency_key_and_opens_one_session() {
    let fake = FakeStripe::start();
    fake.hang_creates(1);
    let database_url = common::fresh_database().await;
    let data_dir = std::env::temp_dir().join(format!("shikaku-kill-{}", uuid::Uuid::new_v4()));
    let tokens = api::auth::TokenKeys::new(b"test-secret");
    let applicant = tokens.mint("killed", Role::Applicant, 600);
    let observer = tokens.mint("observer", Role::SeniorExaminer, 600);
    let http = reqwest::Client::new();

    let (mut first, base) = serve(&database_url, &fake, &data_dir);
    let r = http
        .post(format!("{base}/v1/registrations"))
        .bearer_auth(&applicant)
        .json(&application(&my_number("40000000008")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..400 {
        if !fake.creates().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        fake.creates().len(),
        1,
        "the worker is inside the Stripe call"
    );
    first.kill().unwrap(); // SIGKILL: no clean-up of any kind
    first.wait().unwrap();

    let (mut second, base) = serve(&database_url, &fake, &data_dir);
    let mut url = Value::Null;
    for _ in 0..400 {
        let seen: Value = http
            .get(format!("{base}/v1/registrations/{id}"))
            .bearer_auth(&observer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        url = seen["payment"]["checkout_url"].clone();
        if url.is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();
    assert!(url.is_string(), "the checkout was opened after the restart");
    let keys: Vec<_> = fake
        .creates()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 2, "the retried job called Stripe again");
    assert_eq!(keys[0], keys[1], "with the same Idempotency-Key");
    assert_eq!(fake.session_count(), 1, "so exactly one session exists");
}

#[tokio::test]
async fn the_sandbox_pays_and_declines_only_with_the_cases_signed_link() {
    let app = common::spawn_app().await;
    let id = app.apply("h", &my_number("40000000009")).await;
    let other = app.apply("i", &my_number("40000000010")).await;
    let url = app.checkout_url(&id).await;
    let other_url = app.checkout_url(&other).await;
    let (_, other_token) = other_url.split_once('?').unwrap();
    for attempt in [
        format!("{}/sandbox/payments/{id}/pay", app.base),
        format!("{}/sandbox/payments/{id}/pay?token=", app.base),
        format!("{}/sandbox/payments/{id}/pay?{other_token}", app.base),
        format!("{}/sandbox/payments/{id}/decline?{other_token}", app.base),
        format!("{}/sandbox/payments/{id}/pay?token=9999999999.00", app.base),
    ] {
        let r = app.http.post(&attempt).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{attempt}");
    }
    let page = app
        .http
        .get(format!("{}/sandbox/payments/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let page = app.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(app.registration(&id).await["payment"]["status"], "PENDING");
    app.pay(&id).await;
    assert_eq!(app.registration(&id).await["payment"]["status"], "PAID");
    assert_eq!(
        app.registration(&other).await["payment"]["status"],
        "PENDING"
    );
}

#[tokio::test]
async fn stripe_webhooks_are_not_there_without_stripe() {
    let app = common::spawn_app().await;
    let body = event(
        "evt_x",
        "checkout.session.completed",
        &json!({"id": "cs_x"}),
    );
    let r = signed(&app, &body).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
