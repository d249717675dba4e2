//! Paper cases over HTTP: the assigned examiner records the fee paid on
//! paper, a response that came by post and a withdrawal received in writing,
//! for registrations and change requests; online cases, other examiners and
//! applicants are refused.

use crate::common::{answer, application, my_number, spawn_app, TestApp};
use chrono::{Duration, Utc};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn today() -> String {
    Utc::now().date_naive().to_string()
}

async fn paper_application(app: &TestApp, examiner: &str, base: &str) -> String {
    let mut body = application(&my_number(base));
    body["channel"] = json!("PAPER");
    let r = app
        .post_as(Role::Examiner, examiner, "/v1/registrations", &body)
        .await;
    let body = answer(r, StatusCode::CREATED).await;
    assert_eq!(body["status"], "AWAITING_PAYMENT");
    body["id"].as_str().unwrap().to_owned()
}

async fn code_of(r: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    body["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_paper_application_is_paid_answered_and_withdrawn_by_post() {
    let app = spawn_app().await;
    let id = paper_application(&app, "ex-1", "12345678901").await;
    let ex1 = app.token(Role::Examiner, "ex-1");
    let pay = |amount: i64| json!({"receipt_reference": "FURIKOMI-1", "amount": amount, "received_on": today()});

    // Applicants never record paper documents.
    let r = app
        .post_as(
            Role::Applicant,
            "someone",
            &format!("/v1/registrations/{id}/paper-payments"),
            &pay(12320),
        )
        .await;
    assert_eq!(code_of(r, StatusCode::FORBIDDEN).await, "WRONG_ROLE");
    // An amount other than the fee assessed is refused and nothing is recorded.
    let r = app
        .post(
            &format!("/v1/registrations/{id}/paper-payments"),
            &ex1,
            &pay(12000),
        )
        .await;
    assert_eq!(
        code_of(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "PAYMENT_AMOUNT_MISMATCH"
    );
    assert_eq!(app.registration(&id).await["status"], "AWAITING_PAYMENT");
    app.post_ok(
        &format!("/v1/registrations/{id}/paper-payments"),
        &ex1,
        &pay(12320),
    )
    .await;
    app.settle().await;
    let case = app.registration(&id).await;
    assert_eq!(case["status"], "UNDER_EXAMINATION");
    assert_eq!(case["payment"]["status"], "PAID");

    // Once claimed, only the assigned examiner records.
    app.post_ok(
        &format!("/v1/registrations/{id}/assignment"),
        &ex1,
        &json!({}),
    )
    .await;
    app.post_ok(
        &format!("/v1/registrations/{id}/information-requests"),
        &ex1,
        &json!({"reason_code": "DOCUMENT_MISSING", "message": "Send your exam certificate."}),
    )
    .await;
    let scan = app.upload_pdf("ex-1").await;
    let answer = |received_on: String| json!({"message": "Certificate enclosed.", "attachment_ids": [scan], "received_on": received_on});
    let r = app
        .post_as(
            Role::Examiner,
            "ex-2",
            &format!("/v1/registrations/{id}/postal-responses"),
            &json!({"message": "Certificate enclosed.", "received_on": today()}),
        )
        .await;
    assert_eq!(
        code_of(r, StatusCode::FORBIDDEN).await,
        "NOT_ASSIGNED_EXAMINER"
    );
    let tomorrow = (Utc::now().date_naive() + Duration::days(2)).to_string();
    let r = app
        .post(
            &format!("/v1/registrations/{id}/postal-responses"),
            &ex1,
            &answer(tomorrow),
        )
        .await;
    assert_eq!(
        code_of(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "RECEIVED_IN_FUTURE"
    );
    let body = app
        .post_ok(
            &format!("/v1/registrations/{id}/postal-responses"),
            &ex1,
            &answer(today()),
        )
        .await;
    assert_eq!(body["status"], "UNDER_EXAMINATION");
    let paper: Value = sqlx::query_scalar(
        "SELECT payload::jsonb -> 'ApplicantResponded' -> 'paper' FROM events
         WHERE aggregate_id = $1 AND event_type = 'ApplicantResponded'",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        paper,
        json!({"received_on": today(), "recorded_by": "ex-1"})
    );

    let r = app
        .post(
            &format!("/v1/registrations/{id}/postal-withdrawals"),
            &ex1,
            &json!({"received_on": today(), "note": "unknown field"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = app
        .post_ok(
            &format!("/v1/registrations/{id}/postal-withdrawals"),
            &ex1,
            &json!({"received_on": today()}),
        )
        .await;
    assert_eq!(body["status"], "WITHDRAWN");
}

#[tokio::test]
async fn online_cases_refuse_paper_records() {
    let app = spawn_app().await;
    let id = app
        .claimed("hanako", &my_number("22345678901"), "ex-1")
        .await;
    let ex1 = app.token(Role::Examiner, "ex-1");
    for (path, body) in [
        ("postal-withdrawals", json!({"received_on": today()})),
        (
            "paper-payments",
            json!({"receipt_reference": "R", "amount": 12320, "received_on": today()}),
        ),
        (
            "postal-responses",
            json!({"message": "by post", "received_on": today()}),
        ),
    ] {
        let r = app
            .post(&format!("/v1/registrations/{id}/{path}"), &ex1, &body)
            .await;
        assert_eq!(
            code_of(r, StatusCode::CONFLICT).await,
            "NOT_A_PAPER_CASE",
            "{path}"
        );
    }
    assert_eq!(app.registration(&id).await["status"], "UNDER_EXAMINATION");
}

#[tokio::test]
async fn paper_change_requests_take_postal_records_and_online_ones_do_not() {
    let app = spawn_app().await;
    let (reg, _) = app
        .registered("hanako", &my_number("32345678901"), "ex-reg", "sr")
        .await;

    let ex1 = app.token(Role::Examiner, "ex-1");
    let r = app
        .post(
            &format!("/v1/registrations/{reg}/change-requests"),
            &ex1,
            &json!({"kind": "CHANGE_NAME", "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}, "channel": "PAPER"}),
        )
        .await;
    let paper = answer(r, StatusCode::CREATED).await;
    let paper_id = paper["id"].as_str().unwrap().to_owned();
    assert_eq!(paper["status"], "AWAITING_PAYMENT");
    app.post_ok(
        &format!("/v1/change-requests/{paper_id}/paper-payments"),
        &ex1,
        &json!({"receipt_reference": "STAMP-7", "amount": 500, "received_on": today()}),
    )
    .await;
    let body = app
        .post_ok(
            &format!("/v1/change-requests/{paper_id}/postal-withdrawals"),
            &ex1,
            &json!({"received_on": today()}),
        )
        .await;
    assert_eq!(body["status"], "WITHDRAWN");

    // The holder's own online request is theirs to withdraw, not the office's.
    app.settle().await;
    let r = app
        .post_as(
            Role::Applicant,
            "hanako",
            &format!("/v1/registrations/{reg}/change-requests"),
            &json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市1-1"}}),
        )
        .await;
    let online = answer(r, StatusCode::CREATED).await;
    let online_id = online["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/v1/change-requests/{online_id}/postal-withdrawals"),
            &ex1,
            &json!({"received_on": today()}),
        )
        .await;
    assert_eq!(code_of(r, StatusCode::CONFLICT).await, "NOT_A_PAPER_CASE");
}

#[tokio::test]
async fn a_paper_application_of_a_qualification_already_registered_is_refused() {
    let app = spawn_app().await;
    let number = my_number("65234567890");
    app.registered("hanako", &number, "ex-reg", "sr").await;
    let mut body = application(&number);
    body["channel"] = json!("PAPER");
    let r = app
        .post_as(Role::Examiner, "ex-1", "/v1/registrations", &body)
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "ALREADY_REGISTERED");
    // Another qualification on paper, under other particulars: accepted, flagged.
    body["qualification_code"] = json!("SOCIAL_WORKER");
    body["date_of_birth"] = json!("1991-05-02");
    let r = app
        .post_as(Role::Examiner, "ex-1", "/v1/registrations", &body)
        .await;
    let created = answer(r, StatusCode::CREATED).await;
    assert_eq!(created["flags"], json!(["MY_NUMBER_PARTICULARS_DIFFER"]));
}
