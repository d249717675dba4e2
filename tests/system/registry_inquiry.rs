//! The register inquiry: confirmed, mismatch, domicile unresolved (answered
//! with an attached extract), and an unavailable register retried.

use crate::common::{answer, my_number, spawn_app_with, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn with_fixtures(rows: &[String]) -> TestApp {
    let path = std::env::temp_dir().join(format!("registry-{}.csv", uuid::Uuid::new_v4()));
    let mut text =
        "my_number,family_name,given_name,address,registered_domicile,domicile_status\n".to_owned();
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    spawn_app_with(|s| s.registry_fixtures = path.to_string_lossy().into_owned()).await
}

async fn queue_flags(app: &TestApp, id: &str) -> Value {
    app.settle().await;
    let q: Value = app
        .get_json("/v1/queue?limit=100", &app.token(Role::Examiner, "ex"))
        .await;
    q["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_id"] == id)
        .map(|c| c["flags"].clone())
        .expect("in the queue")
}

#[tokio::test]
async fn mismatch_flags_the_case_and_unresolved_domicile_asks_for_an_extract() {
    let unresolved = my_number("11111111111");
    let mismatch = my_number("22222222222");
    let app = with_fixtures(&[
        format!("{unresolved},山田,花子,東京都千代田区霞が関1-2-2,不明,UNRESOLVED"),
        format!("{mismatch},山田,花子,北海道札幌市,東京都千代田区,RESOLVED"),
    ])
    .await;

    let flagged = app.apply("m", &mismatch).await;
    app.pay(&flagged).await;
    let seen = app.registration(&flagged).await;
    assert_eq!(
        seen["status"], "UNDER_EXAMINATION",
        "a mismatch does not stop the examination"
    );
    assert_eq!(seen["flags"], json!(["REGISTRY_MISMATCH:address"]));
    assert_eq!(
        queue_flags(&app, &flagged).await,
        json!(["REGISTRY_MISMATCH:address"])
    );

    let stopped = app.apply("u", &unresolved).await;
    app.pay(&stopped).await;
    let owner = app.token(Role::Applicant, "u");
    let seen: Value = app
        .get_json(&format!("/v1/registrations/{stopped}"), &owner)
        .await;
    assert_eq!(seen["status"], "ACTION_REQUIRED");
    assert_eq!(seen["reason_code"], "DOMICILE_UNRESOLVED");
    assert!(seen["information_request"]["message"]
        .as_str()
        .unwrap()
        .contains("family register"));
    assert_eq!(
        queue_flags(&app, &stopped).await,
        json!(["DOMICILE_UNRESOLVED"])
    );

    let path = format!("/v1/registrations/{stopped}/responses");
    let r = app
        .post(&path, &owner, &json!({"message": "here it is"}))
        .await;
    let p = answer(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["code"], "ATTACHMENT_REQUIRED");
    let extract = app.upload_pdf("u").await;
    let back = app
        .post_ok(
            &path,
            &owner,
            &json!({"message": "extract attached", "attachment_ids": [extract]}),
        )
        .await;
    assert_eq!(back["status"], "UNDER_EXAMINATION");
}

#[tokio::test]
async fn an_unavailable_register_is_waited_for_not_failed() {
    let app = with_fixtures(&[]).await;
    app.registry.set_unavailable(true);
    let id = app.apply("w", &my_number("33333333333")).await;
    let r = app.sandbox(&id, "pay").await;
    assert_eq!(r.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let seen = app.registration(&id).await;
    assert_eq!(seen["status"], "UNDER_EXAMINATION");
    assert_eq!(seen["flags"], json!(["REGISTRY_INQUIRY_PENDING"]));
    // The inquiry is a job: its failures and retries are visible in the queue.
    let mut failing = None;
    for _ in 0..200 {
        let row: Option<(i32, Option<String>)> =
            sqlx::query_as("SELECT attempts, last_error FROM jobs WHERE kind = 'registry.inquiry'")
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        if let Some((attempts, Some(error))) = row {
            if attempts >= 2 {
                failing = Some(error);
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(failing.unwrap_or_default().contains("unavailable"));

    app.registry.set_unavailable(false);
    app.settle().await;
    let seen = app.registration(&id).await;
    assert_eq!(
        seen["flags"],
        json!([]),
        "answered once the register is back"
    );
    let events: Vec<&str> = seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["event"].as_str().unwrap())
        .filter(|e| *e == "RegistryInquiryAnswered")
        .collect();
    assert_eq!(events.len(), 1);
    let state: String =
        sqlx::query_scalar("SELECT state FROM jobs WHERE kind = 'registry.inquiry'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(state, "succeeded");
}

#[tokio::test]
async fn a_name_change_with_an_unresolved_domicile_is_answered_with_an_extract() {
    let number = my_number("44444444444");
    let app = with_fixtures(&[format!(
        "{number},佐藤,花子,東京都千代田区霞が関1-2-2,不明,UNRESOLVED"
    )])
    .await;
    let holder = app.token(Role::Applicant, "hanako");
    let extract = json!({"message": "family register extract attached", "attachment_ids": [app.upload_pdf("hanako").await]});

    let reg = app.apply("hanako", &number).await;
    app.pay(&reg).await;
    let case = format!("/v1/registrations/{reg}");
    app.post_ok(&format!("{case}/responses"), &holder, &extract)
        .await;
    app.claim_and_approve(&case, "ex", "sr").await;

    let r = app
        .post(
            &format!("/v1/registrations/{reg}/change-requests"),
            &holder,
            &json!({"kind": "CHANGE_NAME", "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}}),
        )
        .await;
    let request = answer(r, StatusCode::CREATED).await;
    let id = request["id"].as_str().unwrap().to_owned();
    app.pay(&id).await;
    let seen: Value = app
        .get_json(&format!("/v1/change-requests/{id}"), &holder)
        .await;
    assert_eq!(seen["status"], "ACTION_REQUIRED");
    assert_eq!(seen["reason_code"], "DOMICILE_UNRESOLVED");
    let case = format!("/v1/change-requests/{id}");
    app.post_ok(&format!("{case}/responses"), &holder, &extract)
        .await;
    app.claim_and_approve(&case, "ex", "sr").await;
    app.settle().await;
    let registration: Value = app
        .get_json(&format!("/v1/registrations/{reg}"), &holder)
        .await;
    assert_eq!(registration["applicant"]["family_name"], "佐藤");
}
