//! Refunds of withdrawn cases: a paid one once, an unpaid one not at all.

use super::*;

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
        .get_json(&format!("/v1/registrations/{id}"), &owner)
        .await;
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
