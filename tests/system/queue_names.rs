//! The applicant's name in each row of the examiners' queue (issue 22): the
//! name applied with, the register's current one once the case is on it (a
//! change request names its holder), staff only, and every page of rows
//! that shows names is recorded in the audit log as a read of each case.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::ministry::registered_with_change;
use crate::common::{application, my_number, problem, spawn_app, TestApp};
use domain::Role;

/// The queue (all cases) as `examiner` sees it, stating `purpose`.
async fn queue(app: &TestApp, examiner: &str, purpose: &str) -> Value {
    let r = app
        .http
        .get(format!("{}/v1/queue?all=true&limit=100", app.base))
        .bearer_auth(app.token(Role::Examiner, examiner))
        .header("x-purpose", purpose)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn row<'a>(queue: &'a Value, id: &str) -> &'a Value {
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {queue}"))
}

fn name(row: &Value) -> (String, String) {
    (
        row["family_name"].as_str().unwrap_or_default().to_owned(),
        row["given_name"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The READ_NAME_IN_QUEUE records of `actor`: (case, purpose).
async fn name_reads(app: &TestApp, actor: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT case_id::text, purpose FROM audit_log
         WHERE action = 'READ_NAME_IN_QUEUE' AND actor = $1 ORDER BY id",
    )
    .bind(actor)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn queue_rows_name_the_holder_and_showing_them_is_recorded_as_a_read() {
    let app = spawn_app().await;
    let mut body = application(&my_number("40000000001"));
    body["family_name"] = json!("鈴木");
    body["given_name"] = json!("一郎");
    let r = app
        .post(
            "/v1/registrations",
            &app.token(Role::Applicant, "ichiro"),
            &body,
        )
        .await;
    let ichiro = crate::common::created_id(r).await;
    // Hanako (山田 花子) is registered and asks to become 佐藤.
    let (hanako, change) = registered_with_change(&app).await;
    app.settle().await;

    let page = queue(&app, "ex-9", "morning review").await;
    assert_eq!(name(row(&page, &ichiro)), ("鈴木".into(), "一郎".into()));
    assert_eq!(name(row(&page, &hanako)), ("山田".into(), "花子".into()));
    assert_eq!(
        name(row(&page, &change)),
        ("山田".into(), "花子".into()),
        "a change request names its holder as the register has them"
    );
    // Each row shown is one read, with the stated purpose.
    let reads = name_reads(&app, "ex-9").await;
    let shown: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(reads.len(), shown.len(), "{reads:?}");
    for (case, purpose) in &reads {
        assert!(shown.contains(&case.as_str()), "{case}");
        assert_eq!(purpose.as_deref(), Some("morning review"));
    }
    // The holder sees those reads in their own access log.
    let log: Value = app
        .get_json("/v1/me/access-log", &app.token(Role::Applicant, "hanako"))
        .await;
    let queue_reads = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "READ_NAME_IN_QUEUE")
        .count();
    assert_eq!(
        queue_reads, 2,
        "the registration and the change request: {log}"
    );

    // Once the change is applied, every row of hers carries the new name.
    app.pay(&change).await;
    app.claim_and_approve(&format!("/v1/change-requests/{change}"), "ex-1", "sr-1")
        .await;
    app.settle().await;
    let page = queue(&app, "ex-9", "afternoon review").await;
    assert_eq!(name(row(&page, &hanako)), ("佐藤".into(), "花子".into()));
    assert_eq!(name(row(&page, &change)), ("佐藤".into(), "花子".into()));

    // The console's queue names them too, and records the reads.
    let session = crate::console::session_of(&app, Role::Examiner, "ex-console").await;
    let html = app
        .http
        .get(format!("{}/console/queue?status=ALL", app.base))
        .header("cookie", session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("鈴木 一郎") && html.contains("佐藤 花子"),
        "{html}"
    );
    assert!(name_reads(&app, "ex-console").await.len() >= 3);
}

#[tokio::test]
async fn names_are_for_examiners_only_and_a_bad_purpose_reads_nothing() {
    let app = spawn_app().await;
    app.apply("hanako", &my_number("40000000002")).await;
    for role in [Role::Applicant, Role::Ministry, Role::Admin] {
        let r = app.get("/v1/queue", &app.token(role, "someone")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    assert_eq!(
        app.get_anonymous("/v1/queue").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .http
        .get(format!("{}/v1/queue", app.base))
        .bearer_auth(app.token(Role::Examiner, "ex-9"))
        .header("x-purpose", "x".repeat(201))
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["code"], "INVALID_PURPOSE");
    assert!(name_reads(&app, "ex-9").await.is_empty());
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE role IN ('applicant', 'ministry', 'admin')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(count, 0, "a refused caller read nothing");
}
