//! My Numbers that end (issue 20, finding 6): when a case ends without a
//! registration its number is shredded (ciphertext and lookup token) once no
//! other live case holds it; a deleted registration keeps it for the
//! statutory retention; a shredded row never comes back.

use super::*;
use crate::common::{spawn_app_with, TestApp};
use adapters::vault::Vault;
use domain::my_number::MyNumber;
use uuid::Uuid;

/// (id, ciphertext present, lookup token present, shredded) of every vault row, oldest first.
async fn vault_rows(app: &TestApp) -> Vec<(Uuid, bool, bool, bool)> {
    sqlx::query_as(
        "SELECT id, ciphertext IS NOT NULL, lookup_token IS NOT NULL, shredded_at IS NOT NULL
         FROM my_number_vault ORDER BY created_at, id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn withdraw(app: &TestApp, owner: &str, id: &str) {
    app.post_ok(
        &format!("/v1/registrations/{id}/withdrawal"),
        &app.token(Role::Applicant, owner),
        &json!({}),
    )
    .await;
    app.settle().await;
}

fn vault(app: &TestApp) -> Vault {
    Vault::new(app.pool.clone(), [0x11; 32])
}

#[tokio::test]
async fn a_withdrawn_application_s_my_number_is_shredded_and_never_comes_back() {
    let app = spawn_app().await;
    let number = my_number("71234567890");
    let id = app.apply("hanako", &number).await;
    let [(row, true, true, false)] = vault_rows(&app).await[..] else {
        panic!("one sealed row: {:?}", vault_rows(&app).await);
    };

    withdraw(&app, "hanako", &id).await;
    assert_eq!(
        vault_rows(&app).await,
        vec![(row, false, false, true)],
        "ciphertext and lookup token gone"
    );
    let parsed = MyNumber::parse(&number).unwrap();
    assert_eq!(vault(&app).find(&parsed).await.unwrap(), None);
    assert_eq!(vault(&app).token_of(row).await.unwrap(), None);

    // Applying again stores the number in a new row; the old one stays shredded.
    app.apply("hanako", &number).await;
    let rows = vault_rows(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0], (row, false, false, true));
    assert!(rows[1].0 != row && rows[1].1 && rows[1].2 && !rows[1].3);
    // The shredding was a job, run once, for the withdrawal's event.
    let jobs: Vec<(String, String)> =
        sqlx::query_as("SELECT dedupe_key, state::text FROM jobs WHERE kind = 'vault.shred'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].1, "succeeded");
}

#[tokio::test]
async fn a_number_another_live_case_holds_is_kept_until_that_case_is_rejected() {
    let app = spawn_app().await;
    let number = my_number("72234567890");
    let care = app.apply("hanako", &number).await;
    let mut social = application(&number);
    social["qualification_code"] = json!("SOCIAL_WORKER");
    let r = app
        .post_as(Role::Applicant, "hanako", "/v1/registrations", &social)
        .await;
    let social = common::created_id(r).await;
    app.settle().await;

    withdraw(&app, "hanako", &care).await;
    let [(row, true, true, false)] = vault_rows(&app).await[..] else {
        panic!("still sealed: {:?}", vault_rows(&app).await);
    };
    // The other one ends by a rejection: nothing holds the number any more.
    app.pay(&social).await;
    let case = format!("/v1/registrations/{social}");
    app.post_ok(
        &format!("{case}/assignment"),
        &app.token(Role::Examiner, "ex-1"),
        &json!({}),
    )
    .await;
    let reject = json!({"outcome": "REJECT", "reason_code": "NOT_ELIGIBLE"});
    let rejected = app.approve_with(&case, "ex-1", "sr-1", &reject).await;
    assert_eq!(rejected["status"], "REJECTED");
    app.settle().await;
    assert_eq!(vault_rows(&app).await, vec![(row, false, false, true)]);
}

/// A registration deleted at the holder's request.
async fn deleted(app: &TestApp, number: &str) {
    let (id, _) = app.registered("hanako", number, "ex-1", "sr-1").await;
    let r = app
        .post_as(
            Role::Applicant,
            "hanako",
            &format!("/v1/registrations/{id}/change-requests"),
            &json!({"kind": "DELETE_REGISTRATION", "reason": "HOLDER_REQUEST"}),
        )
        .await;
    let request = common::created_id(r).await;
    app.settle().await;
    app.claim_and_approve(&format!("/v1/change-requests/{request}"), "ex-2", "sr-2")
        .await;
    app.settle().await;
    assert_eq!(app.registration(&id).await["status"], "DELETED");
}

#[tokio::test]
async fn a_deleted_registration_keeps_its_number_for_the_statutory_retention() {
    let app = spawn_app().await;
    deleted(&app, &my_number("73234567890")).await;
    let [(_, true, true, false)] = vault_rows(&app).await[..] else {
        panic!("kept: {:?}", vault_rows(&app).await);
    };
    let due: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = 'vault.shred'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let years = (due - chrono::Utc::now()).num_days() / 365;
    assert_eq!(years, 5, "five years from the deletion: {due}");

    // With no retention configured it goes at once.
    let app = spawn_app_with(|s| s.my_number_retention_years = 0).await;
    deleted(&app, &my_number("74234567890")).await;
    let [(_, false, false, true)] = vault_rows(&app).await[..] else {
        panic!("shredded: {:?}", vault_rows(&app).await);
    };
}

#[tokio::test]
async fn a_ciphertext_decrypts_only_in_its_own_row() {
    let app = spawn_app().await;
    let vault = vault(&app);
    let a = vault
        .store(&MyNumber::parse(&my_number("75234567890")).unwrap())
        .await
        .unwrap();
    let b = vault
        .store(&MyNumber::parse(&my_number("76234567890")).unwrap())
        .await
        .unwrap();
    // Someone with write access to the table copies b's ciphertext into a.
    sqlx::query(
        "UPDATE my_number_vault a SET nonce = b.nonce, ciphertext = b.ciphertext
         FROM my_number_vault b WHERE a.id = $1 AND b.id = $2",
    )
    .bind(a)
    .bind(b)
    .execute(&app.pool)
    .await
    .unwrap();
    let auditor = adapters::audit::Accessor {
        actor: "auditor-1".into(),
        role: "admin".into(),
        request_id: None,
        purpose: Some("test".into()),
    };
    assert!(
        vault
            .reveal(a, uuid::Uuid::new_v4(), &auditor)
            .await
            .is_err(),
        "bound to b's id"
    );
    assert!(vault
        .reveal(b, uuid::Uuid::new_v4(), &auditor)
        .await
        .unwrap()
        .is_some());
}
