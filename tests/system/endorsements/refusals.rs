//! What an ENDORSEMENT request is refused for: a code the qualification does
//! not define (422 with its pointer), no evidence where the catalogue asks
//! for it, a bad action, the fields on another kind, someone else's
//! registration (404), a removal of what is not held and an addition of
//! what is (409), and a holder approving their own case (403).

use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{file, paid_and_approved, SUCTION};
use crate::common::certificates::registered;
use crate::common::{answer, problem, spawn_app};

fn has_error(problem: &Value, pointer: &str, code: &str) -> bool {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["pointer"] == pointer && e["code"] == code)
}

#[tokio::test]
async fn endorsement_requests_outside_the_catalogue_or_the_holders_standing_are_refused() {
    let app = spawn_app().await;
    let reg = registered(&app, "kaigo-r", "33345678901").await;
    let evidence = app.upload_pdf("kaigo-r").await;

    // A code the care worker's qualification does not define (a doctor's).
    let r = file(
        &app,
        "kaigo-r",
        &reg,
        "ADD",
        "CLINICAL_TRAINING_COMPLETED",
        &[&evidence],
    )
    .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        has_error(&p, "/changes/endorsement_code", "UNKNOWN_ENDORSEMENT"),
        "{p}"
    );
    // The catalogue asks for the training certificate.
    let r = file(&app, "kaigo-r", &reg, "ADD", SUCTION, &[]).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(has_error(&p, "/attachment_ids", "REQUIRED"), "{p}");
    // ADD or REMOVE only; both fields needed; other kinds take neither.
    let r = file(&app, "kaigo-r", &reg, "REPLACE", SUCTION, &[&evidence]).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(has_error(&p, "/changes/action", "UNKNOWN_VALUE"), "{p}");
    let path = format!("/v1/registrations/{reg}/change-requests");
    let r = app
        .post_as(
            Role::Applicant,
            "kaigo-r",
            &path,
            &json!({"kind": "ENDORSEMENT"}),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        has_error(&p, "/changes/endorsement_code", "REQUIRED"),
        "{p}"
    );
    assert!(has_error(&p, "/changes/action", "REQUIRED"), "{p}");
    let r = app
        .post_as(
            Role::Applicant,
            "kaigo-r",
            &path,
            &json!({"kind": "CHANGE_ADDRESS",
                    "changes": {"address": "東京都港区1-1", "endorsement_code": SUCTION}}),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        has_error(&p, "/changes/endorsement_code", "NOT_ALLOWED"),
        "{p}"
    );

    // Someone else's registration is not found, whatever the code.
    for code in [SUCTION, "NO_SUCH_ENDORSEMENT"] {
        let r = file(&app, "stranger", &reg, "ADD", code, &[]).await;
        let p = problem(r, StatusCode::NOT_FOUND).await;
        assert_eq!(p["code"], "NOT_FOUND", "{code}");
    }

    // Nothing held yet: nothing to remove.
    let r = file(&app, "kaigo-r", &reg, "REMOVE", SUCTION, &[]).await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "ENDORSEMENT_NOT_HELD"
    );

    // One open at a time; the holder cannot decide their own case.
    let r = file(&app, "kaigo-r", &reg, "ADD", SUCTION, &[&evidence]).await;
    let filed = answer(r, StatusCode::CREATED).await;
    let id = filed["id"].as_str().unwrap();
    let other = app.upload_pdf("kaigo-r").await;
    let r = file(&app, "kaigo-r", &reg, "ADD", SUCTION, &[&other]).await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "CHANGE_REQUEST_OPEN"
    );
    app.pay(id).await;
    let case = format!("/v1/change-requests/{id}");
    app.post_ok(
        &format!("{case}/assignment"),
        &app.token(Role::Examiner, "ex-end"),
        &json!({}),
    )
    .await;
    app.post_ok(
        &format!("{case}/decision-proposals"),
        &app.token(Role::Examiner, "ex-end"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    for (path, body) in [
        ("decision-approvals", json!({})),
        ("decision-proposals", json!({"outcome": "APPROVE"})),
        ("assignment", json!({})),
    ] {
        let r = app
            .post_as(Role::Applicant, "kaigo-r", &format!("{case}/{path}"), &body)
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // The proposer cannot approve either (four eyes).
    let r = app
        .post_as(
            Role::SeniorExaminer,
            "ex-end",
            &format!("{case}/decision-approvals"),
            &json!({}),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "FOUR_EYES_REQUIRED"
    );
    app.post_ok(
        &format!("{case}/decision-approvals"),
        &app.token(Role::SeniorExaminer, "sr-end"),
        &json!({}),
    )
    .await;
    app.settle().await;

    // Held now: a second addition is a conflict.
    let r = file(&app, "kaigo-r", &reg, "ADD", SUCTION, &[&other]).await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "ENDORSEMENT_ALREADY_HELD"
    );
    // A removal goes through (no evidence needed).
    let r = file(&app, "kaigo-r", &reg, "REMOVE", SUCTION, &[]).await;
    let removed = paid_and_approved(&app, answer(r, StatusCode::CREATED).await).await;
    assert_eq!(removed["outcome"], "APPLIED");
}
