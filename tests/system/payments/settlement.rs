//! Stripe's webhooks: signed completions settle once, a mismatched amount is
//! flagged, an expired session is replaced, and reconciliation finds a lost one.

use super::*;
use crate::common::answer;

#[tokio::test]
async fn a_signed_completion_settles_once_and_bad_deliveries_store_nothing() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, session_id) = applied(&app, &fake, "b", "40000000002").await;
    let paid = fake.pay(&session_id, "pi_test_1");
    let body = event("evt_1", "checkout.session.completed", &paid);

    // Missing, wrong and expired signatures: 400, nothing stored.
    let r = deliver(&app, &body, None).await;
    let problem = answer(r, StatusCode::BAD_REQUEST).await;
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
    // Stripe says the same to the webhook and to the reconciliation (which
    // may run first on a slow machine).
    let paid = fake.pay_amount(&session_id, "pi_test_short", 1000);
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
    let case = app.queued("?status=AWAITING_PAYMENT", &examiner, &id).await;
    assert_eq!(case["flags"], json!(["PAYMENT_MISMATCH"]));

    // The right amount settles; the flag stays for the examiner to sort out
    // the first payment, beside the registers' answer.
    let paid = fake.pay_amount(&session_id, "pi_test_short", 12320);
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
        .get_json("/v1/queue?status=UNDER_EXAMINATION", &examiner)
        .await;
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
