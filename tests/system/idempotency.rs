//! Idempotency-Keys: scoped to caller, method and path; an abandoned claim is
//! taken over after its lease; a refused command leaves nothing behind.

use crate::common;

use crate::common::{answer, my_number, problem, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn registered(app: &TestApp, holder: &str, base: &str) -> String {
    app.registered(holder, &my_number(base), "ex-idem", "sr-idem")
        .await
        .0
}

async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.http
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_same_key_and_body_on_two_registrations_files_two_requests() {
    let app = spawn_app().await;
    let first = registered(&app, "taro", "11111111111").await;
    let second = registered(&app, "taro", "11111111112").await;
    let holder = app.token(Role::Applicant, "taro");
    let body = json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区1-1"}});
    let mut ids = Vec::new();
    for reg in [&first, &second] {
        let path = format!("/v1/registrations/{reg}/change-requests");
        let r = post_with_key(&app, &path, &holder, "move-1", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{path}");
        assert!(r.headers().get("idempotent-replayed").is_none());
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["registration_id"], json!(reg));
        ids.push(v["id"].as_str().unwrap().to_owned());
    }
    assert_ne!(ids[0], ids[1], "two requests were filed");
    // Each path replays its own answer.
    let path = format!("/v1/registrations/{first}/change-requests");
    let r = post_with_key(&app, &path, &holder, "move-1", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], json!(ids[0]));
    // Another caller's key of the same name is another key.
    let other = app.token(Role::Applicant, "jiro");
    let r = post_with_key(
        &app,
        "/v1/registrations",
        &other,
        "move-1",
        &common::application(&my_number("11111111113")),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.headers().get("idempotent-replayed").is_none());
}

#[tokio::test]
async fn a_claim_in_flight_is_409_until_its_lease_runs_out_then_the_retry_executes() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "saburo");
    let body = common::application(&my_number("22222222221"));
    let r = post_with_key(&app, "/v1/registrations", &token, "crash-1", &body).await;
    let first = common::created_id(r).await;
    // That case never was, in the crash simulated below; withdrawn, it no
    // longer holds the My Number against the retry (one per qualification).
    let withdrawal = format!("/v1/registrations/{first}/withdrawal");
    app.post_ok(&withdrawal, &token, &serde_json::json!({}))
        .await;
    // What a crash between claim and commit leaves: a claim without an answer
    // (the command's own transaction rolled back with the process).
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = NULL, response_body = NULL,
                response_headers = NULL, claim_token = gen_random_uuid(),
                lease_until = now() + interval '1 hour'
         WHERE key = 'crash-1'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let r = post_with_key(&app, "/v1/registrations", &token, "crash-1", &body).await;
    let p = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(p["code"], "REQUEST_IN_FLIGHT");

    sqlx::query("UPDATE idempotency_keys SET lease_until = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = post_with_key(&app, "/v1/registrations", &token, "crash-1", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "the retry executes");
    assert!(r.headers().get("idempotent-replayed").is_none());
    let executed: Value = r.json().await.unwrap();
    let r = post_with_key(&app, "/v1/registrations", &token, "crash-1", &body).await;
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let replayed: Value = r.json().await.unwrap();
    assert_eq!(executed["id"], replayed["id"]);
}

#[tokio::test]
async fn the_answer_commits_with_the_command_and_an_empty_key_is_400() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "shiro");
    let body = common::application(&my_number("33333333331"));
    let r = post_with_key(&app, "/v1/registrations", &token, "late-1", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let answered: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM idempotency_keys WHERE key = 'late-1' AND response_status = 201",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(answered, 1, "the answer committed with the command");
    let r = app
        .http
        .post(format!("{}/v1/registrations", app.base))
        .bearer_auth(&token)
        .header("Idempotency-Key", "")
        .json(&body)
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["code"], "INVALID_IDEMPOTENCY_KEY");
}

#[tokio::test]
async fn a_refused_command_marks_no_attachment_and_frees_its_key() {
    let app = spawn_app().await;
    // Applied, not registered: a change request is refused (409).
    let reg = app.apply("goro", &my_number("44444444441")).await;
    let attachment = app.upload_pdf("goro").await;
    let holder = app.token(Role::Applicant, "goro");
    let body = json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区1-1"},
                      "attachment_ids": [attachment]});
    let path = format!("/v1/registrations/{reg}/change-requests");
    for _ in 0..2 {
        let r = post_with_key(&app, &path, &holder, "move-1", &body).await;
        let p = answer(r, StatusCode::CONFLICT).await;
        assert_ne!(p["code"], "REQUEST_IN_FLIGHT", "the key was released");
    }
    let marked: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT referenced_at FROM attachments WHERE id = $1::uuid")
            .bind(&attachment)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(marked.is_none(), "a refused command references nothing");
    // Someone else's attachment is 404, as if it did not exist.
    let stranger = app.token(Role::Applicant, "stranger");
    let r = post_with_key(&app, &path, &stranger, "move-2", &body).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let requests: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'ChangeRequest'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(requests, 0);
}
