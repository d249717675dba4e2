//! A sanction reaches the holder's wallet credential: SUSPENDED (2) while a
//! suspension lasts, VALID (0) once it lifts, INVALID (1) for good on a
//! revocation; no new offer while suspended.

use super::*;
use super::{entry_status, obtain};
use crate::common::spawn_app;

/// A sanction on `reg` opened by an examiner and approved by a senior one.
async fn sanctioned(app: &TestApp, reg: &str, body: Value) {
    let r = app
        .post_as(
            Role::Examiner,
            "ex-s",
            &format!("/v1/registrations/{reg}/sanctions"),
            &body,
        )
        .await;
    let id = answer(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.claim_and_approve(&format!("/v1/sanctions/{id}"), "ex-s", "sr-s")
        .await;
    app.settle().await;
}

#[tokio::test]
async fn a_suspension_suspends_the_wallet_credential_and_a_revocation_invalidates_it() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "64345678901").await;
    let credential = obtain(&app, "hanako", &reg).await;
    assert_eq!(entry_status(&app, &credential).await, 0);
    let today = domain::calendar::japan_today();
    let day = |n: u64| today.checked_add_days(chrono::Days::new(n)).unwrap();

    sanctioned(
        &app,
        &reg,
        json!({"kind": "SUSPENSION", "reason": "名称の不正使用", "legal_basis": "第42条",
               "starts_on": day(0), "ends_on": day(7)}),
    )
    .await;
    assert_eq!(entry_status(&app, &credential).await, 2, "SUSPENDED");
    let r = app
        .post_as(
            Role::Applicant,
            "hanako",
            &format!("/v1/registrations/{reg}/credential-offers"),
            &json!({}),
        )
        .await;
    assert_ne!(r.status(), StatusCode::CREATED, "no offer while suspended");

    // The end date comes (the lift job falls due): VALID again.
    sqlx::query("UPDATE jobs SET run_at = now() WHERE kind = 'sanction.lift'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.settle().await;
    assert_eq!(entry_status(&app, &credential).await, 0, "VALID again");

    sanctioned(
        &app,
        &reg,
        json!({"kind": "REVOCATION", "reason": "欠格事由", "legal_basis": "第32条",
               "starts_on": day(0)}),
    )
    .await;
    assert_eq!(entry_status(&app, &credential).await, 1, "INVALID for good");
}
