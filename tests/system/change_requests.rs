//! Change requests over HTTP: filing, payment, four-eyes examination, and the
//! process manager carrying the approved change to the registration.

use crate::common::{answer, created_id, my_number, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn registered(app: &TestApp, holder: &str, base: &str) -> String {
    app.registered(holder, &my_number(base), "ex-reg", "sr-reg")
        .await
        .0
}

async fn file(app: &TestApp, token: &str, registration: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/v1/registrations/{registration}/change-requests"),
        token,
        &body,
    )
    .await
}

async fn decide(app: &TestApp, request: &str) -> Value {
    let case = format!("/v1/change-requests/{request}");
    let examiner = app.token(Role::Examiner, "ex-cr");
    app.post_ok(&format!("{case}/assignment"), &examiner, &json!({}))
        .await;
    let proposal = json!({"outcome": "APPROVE", "note": "register confirms"});
    app.approve_with(&case, "ex-cr", "sr-cr", &proposal).await
}

async fn request(app: &TestApp, id: &str) -> Value {
    app.get_json(
        &format!("/v1/change-requests/{id}"),
        &app.token(Role::Examiner, "viewer"),
    )
    .await
}

#[tokio::test]
async fn a_change_of_name_reaches_the_registration_once() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "12345678901").await;
    let holder = app.token(Role::Applicant, "hanako");
    let r = file(
        &app,
        &holder,
        &reg,
        json!({"kind": "CHANGE_NAME", "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}, "reason": "marriage"}),
    )
    .await;
    let filed = answer(r, StatusCode::CREATED).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    assert_eq!(filed["status"], "AWAITING_PAYMENT");
    assert_eq!(filed["fee"], json!({"amount": 500, "currency": "JPY"}));
    assert_eq!(filed["registration_id"], reg.as_str());
    assert!(app
        .checkout_url(&id)
        .await
        .starts_with(&format!("{}/sandbox/payments/{id}?token=", app.base)));
    app.pay(&id).await;
    assert_eq!(request(&app, &id).await["status"], "UNDER_EXAMINATION");

    let approved = decide(&app, &id).await;
    assert_eq!(approved["status"], "APPROVED");
    app.settle().await;
    let done = request(&app, &id).await;
    assert_eq!(done["outcome"], "APPLIED");
    let registration: Value = app
        .get_json(&format!("/v1/registrations/{reg}"), &holder)
        .await;
    assert_eq!(registration["status"], "REGISTERED");
    assert_eq!(registration["applicant"]["family_name"], "佐藤");
    assert_eq!(registration["applicant"]["given_name"], "花子");
    let changed: Vec<&Value> = registration["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["event"] == "RegisteredMattersChanged")
        .collect();
    assert_eq!(changed.len(), 1, "applied exactly once");
    assert_eq!(changed[0]["change_request_id"], id.as_str());

    // The queue shows the change request as its own case (decided: among all cases).
    let case = app
        .queued(
            "?qualification_code=CARE_WORKER&all=true",
            &app.token(Role::Examiner, "ex"),
            &id,
        )
        .await;
    assert_eq!(case["case_type"], "CHANGE_REQUEST");
    assert_eq!(case["procedure"], "CHANGE_NAME");
    assert_eq!(case["status"], "APPROVED");
}

#[tokio::test]
async fn one_open_request_per_kind_and_free_requests_skip_payment() {
    let app = spawn_app().await;
    let reg = registered(&app, "taro", "22345678901").await;
    let holder = app.token(Role::Applicant, "taro");
    let address = json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区1-1"}});
    let first: Value = file(&app, &holder, &reg, address.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["status"], "UNDER_EXAMINATION",
        "an address change is free"
    );
    assert_eq!(first["payment"]["status"], "NOT_REQUIRED");
    let second = file(&app, &holder, &reg, address.clone()).await;
    let problem = answer(second, StatusCode::CONFLICT).await;
    assert_eq!(problem["code"], "CHANGE_REQUEST_OPEN");
    // Another kind is fine meanwhile.
    let reissue = file(
        &app,
        &holder,
        &reg,
        json!({"kind": "REISSUE_CERTIFICATE", "reason": "lost"}),
    )
    .await;
    assert_eq!(reissue.status(), StatusCode::CREATED);

    let id = first["id"].as_str().unwrap();
    app.post_ok(
        &format!("/v1/change-requests/{id}/withdrawal"),
        &holder,
        &json!({}),
    )
    .await;
    app.settle().await;
    let again = file(&app, &holder, &reg, address).await;
    let status = again.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the slot is free after the withdrawal: {}",
        again.text().await.unwrap()
    );
}

#[tokio::test]
async fn bad_change_requests_are_refused() {
    let app = spawn_app().await;
    let reg = registered(&app, "owner", "42345678901").await;
    let holder = app.token(Role::Applicant, "owner");
    let stranger = app.token(Role::Applicant, "stranger");
    // Registration is followed by its certificate job: let it finish first.
    app.settle().await;
    let before = app.registration(&reg).await;

    let r = file(
        &app,
        &stranger,
        &reg,
        json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "x"}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let cases = [
        (
            json!({"kind": "CHANGE_EVERYTHING"}),
            "/kind",
            "UNKNOWN_VALUE",
        ),
        (
            json!({"kind": "CHANGE_NAME", "changes": {"family_name": ""}}),
            "/changes/family_name",
            "REQUIRED",
        ),
        (
            json!({"kind": "CHANGE_NAME", "changes": {"family_name": "長".repeat(51)}}),
            "/changes/family_name",
            "TOO_LONG",
        ),
        (
            json!({"kind": "CHANGE_NAME", "changes": {}}),
            "/changes",
            "REQUIRED",
        ),
        (
            json!({"kind": "CHANGE_NAME", "changes": {"address": "x", "given_name": "y"}}),
            "/changes/address",
            "NOT_ALLOWED",
        ),
        (
            json!({"kind": "DELETE_REGISTRATION", "reason": "DEATH", "notifier_relationship": "son", "attachment_ids": [uuid::Uuid::new_v4()]}),
            "/date_of_death",
            "REQUIRED",
        ),
        (
            json!({"kind": "DELETE_REGISTRATION", "reason": "DEATH", "date_of_death": "2026-01-01", "notifier_relationship": "son"}),
            "/attachment_ids",
            "REQUIRED",
        ),
        (
            json!({"kind": "DELETE_REGISTRATION"}),
            "/reason",
            "UNKNOWN_VALUE",
        ),
    ];
    for (body, pointer, code) in cases {
        let r = file(&app, &holder, &reg, body.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let p: Value = r.json().await.unwrap();
        let errors = p["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["pointer"] == pointer && e["code"] == code),
            "{body}: {p}"
        );
    }
    // Domicile is not a registered matter for care managers: a domicile change
    // against such a registration is not offered (checked by the catalogue).
    let r = app
        .get(
            "/v1/change-requests/7d0b2c56-0000-4000-8000-000000000000",
            &holder,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.settle().await;
    assert_eq!(app.registration(&reg).await, before, "nothing changed");
}

#[tokio::test]
async fn the_holder_sees_every_request_filed_against_their_registration() {
    let app = spawn_app().await;
    let reg = registered(&app, "holder", "62345678901").await;
    app.settle().await;
    let holder = app.token(Role::Applicant, "holder");
    // An examiner enters a request the holder sent on paper: the holder did not file it.
    let r = file(
        &app,
        &app.token(Role::Examiner, "ex-paper"),
        &reg,
        json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "札幌市"}, "channel": "PAPER"}),
    )
    .await;
    let id = created_id(r).await;
    app.settle().await;
    let listed: Value = app
        .get_json(
            &format!("/v1/change-requests?registration_id={reg}"),
            &holder,
        )
        .await;
    assert_eq!(listed["items"][0]["id"], id.as_str());
    let r = app.get(&format!("/v1/change-requests/{id}"), &holder).await;
    assert_eq!(r.status(), StatusCode::OK, "what the list shows, GET shows");
    // Anyone else still gets 404.
    let r = app
        .get_as(
            Role::Applicant,
            "stranger",
            &format!("/v1/change-requests/{id}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn requests_the_registers_are_not_asked_about_never_wait_for_them() {
    let app = spawn_app().await;
    let reg = registered(&app, "holder", "72345678901").await;
    app.settle().await;
    let holder = app.token(Role::Applicant, "holder");
    let r = file(
        &app,
        &holder,
        &reg,
        json!({"kind": "REISSUE_CERTIFICATE", "reason": "lost"}),
    )
    .await;
    let id = created_id(r).await;
    app.pay(&id).await;
    let case = request(&app, &id).await;
    assert_eq!(case["status"], "UNDER_EXAMINATION");
    assert_eq!(case["flags"], json!([]), "{case}");
    let row = app
        .queued(
            "?status=UNDER_EXAMINATION",
            &app.token(Role::Examiner, "viewer"),
            &id,
        )
        .await;
    assert_eq!(row["flags"], json!([]), "{row}");
}
