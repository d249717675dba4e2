//! Death notifications: a relative names the deceased as on the paper
//! certificate, is answered the same whether or not that names a
//! registration, is held to the link lockout, and never blocks the holder.
//! A notice that names a registration is a case examiners confirm before the
//! registration is deleted.

use crate::common::{answer, my_number, problem, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A registered application of 山田 花子 (born 1990-04-01); its id and number.
async fn registered(app: &TestApp, holder: &str, base: &str) -> (String, String) {
    let (id, approved) = app
        .registered(holder, &my_number(base), "ex-reg", "sr-reg")
        .await;
    let number = approved["registration_number"].as_str().unwrap().to_owned();
    app.settle().await;
    (id, number)
}

fn notice(number: &str, given_name: &str, attachment: &str) -> Value {
    json!({"qualification_code": "CARE_WORKER", "registration_number": number,
           "family_name": "山田", "given_name": given_name, "date_of_birth": "1990-04-01",
           "date_of_death": "2026-10-01", "notifier_relationship": "grandchild",
           "attachment_ids": [attachment]})
}

async fn death_cases(app: &TestApp) -> Vec<Value> {
    let queue: Value = app
        .get_json(
            "/v1/queue?limit=100",
            &app.token(Role::SeniorExaminer, "observer"),
        )
        .await;
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["procedure"] == "DELETE_REGISTRATION")
        .cloned()
        .collect()
}

async fn decide(app: &TestApp, request: &str) {
    app.claim_and_approve(&format!("/v1/change-requests/{request}"), "ex-cr", "sr-cr")
        .await;
}

#[tokio::test]
async fn a_notice_is_answered_the_same_either_way_and_only_a_match_becomes_a_case() {
    let app = spawn_app().await;
    let (reg, number) = registered(&app, "grandpa", "32345678901").await;
    let holder = app.token(Role::Applicant, "grandpa");
    let relative = app.token(Role::Applicant, "grandchild");
    let attachment = app.upload_pdf("grandchild").await;

    // The old way, by the registration's id, tells a relative nothing.
    let by_id = json!({"kind": "DELETE_REGISTRATION", "reason": "DEATH", "date_of_death": "2026-10-01",
                       "notifier_relationship": "grandchild", "attachment_ids": [attachment]});
    for id in [reg.clone(), uuid::Uuid::new_v4().to_string()] {
        let r = app
            .post(
                &format!("/v1/registrations/{id}/change-requests"),
                &relative,
                &by_id,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    let mut answers = Vec::new();
    let mut receipts = Vec::new();
    for body in [
        notice(&number, "花", &attachment),
        notice("0999999", "花子", &attachment),
        notice(&number, "花子", &attachment),
    ] {
        let r = app.post("/v1/death-notifications", &relative, &body).await;
        let receipt = answer(r, StatusCode::ACCEPTED).await;
        let mut keys: Vec<&String> = receipt.as_object().unwrap().keys().collect();
        keys.sort();
        answers.push(format!("{keys:?}"));
        assert!(receipt["receipt_id"].as_str().unwrap().len() == 36);
        receipts.push(receipt["receipt_id"].as_str().unwrap().to_owned());
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    app.settle().await;
    let cases = death_cases(&app).await;
    assert_eq!(
        cases.len(),
        1,
        "only the notice that names the registration"
    );
    let death_id = cases[0]["case_id"].as_str().unwrap().to_owned();
    assert_eq!(
        death_id, receipts[2],
        "one number everywhere: the case is the receipt the notifier was given"
    );
    let case: Value = app
        .get_json(
            &format!("/v1/change-requests/{death_id}"),
            &app.token(Role::Examiner, "ex-cr"),
        )
        .await;
    assert_eq!(case["deletion_reason"], "DEATH");
    assert_eq!(
        case["status"], "UNDER_EXAMINATION",
        "examined before anything is deleted"
    );
    assert_eq!(app.registration(&reg).await["status"], "REGISTERED");

    // The notice holds no slot: the holder still files their own requests,
    // a deletion included.
    for kind in ["REISSUE_CERTIFICATE", "DELETE_REGISTRATION"] {
        let mut body = json!({"kind": kind});
        if kind == "DELETE_REGISTRATION" {
            body["reason"] = json!("HOLDER_REQUEST");
        }
        let r = app
            .post(
                &format!("/v1/registrations/{reg}/change-requests"),
                &holder,
                &body,
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{kind}");
    }
    let pending: Value = app
        .post(
            &format!("/v1/registrations/{reg}/change-requests"),
            &holder,
            &json!({"kind": "CHANGE_NAME", "changes": {"given_name": "一郎"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let pending_id = pending["id"].as_str().unwrap().to_owned();

    // The examiners confirm the death: then the registration is deleted.
    decide(&app, &death_id).await;
    app.settle().await;
    assert_eq!(app.registration(&reg).await["status"], "DELETED");
    // The relative never sees the registration itself.
    assert_eq!(
        app.get(&format!("/v1/registrations/{reg}"), &relative)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // The holder's request still open ends clearly.
    app.pay(&pending_id).await;
    decide(&app, &pending_id).await;
    app.settle().await;
    let ended: Value = app
        .get_json(
            &format!("/v1/change-requests/{pending_id}"),
            &app.token(Role::Examiner, "ex-cr"),
        )
        .await;
    assert_eq!(ended["reason_code"], "REGISTRATION_DELETED");
}

#[tokio::test]
async fn notices_count_against_the_link_lockout_whatever_they_match() {
    let app = spawn_app().await;
    let (_, number) = registered(&app, "grandpa", "52345678901").await;
    let relative = app.token(Role::Applicant, "prober");
    let attachment = app.upload_pdf("prober").await;
    // Two wrong link attempts and three notices, one of them a match ...
    for n in 0..2 {
        let r = app
            .post(
                "/v1/registration-links",
                &relative,
                &json!({"qualification_code": "CARE_WORKER", "registration_number": format!("08{n:05}"),
                        "family_name": "山田", "given_name": "花子", "date_of_birth": "1990-04-01",
                        "my_number": my_number("13579135791")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    for body in [
        notice(&number, "花子", &attachment),
        notice("0888888", "花子", &attachment),
        notice(&number, "次郎", &attachment),
    ] {
        let r = app.post("/v1/death-notifications", &relative, &body).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    // ... and the caller is locked out, for notices and links alike.
    let r = app
        .post(
            "/v1/death-notifications",
            &relative,
            &notice(&number, "花子", &attachment),
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn bad_notices_are_refused() {
    let app = spawn_app().await;
    let attachment = app.upload_pdf("relative").await;
    let body = notice("0000001", "花子", &attachment);
    let r = app
        .http
        .post(format!("{}/v1/death-notifications", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .post_as(Role::Examiner, "ex", "/v1/death-notifications", &body)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Someone else's upload cannot be attached.
    let theirs = app.upload_pdf("someone-else").await;
    let r = app
        .post_as(
            Role::Applicant,
            "relative",
            "/v1/death-notifications",
            &notice("0000001", "花子", &theirs),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let relative = app.token(Role::Applicant, "relative");
    let mut future = body.clone();
    future["date_of_death"] = json!("2999-01-01");
    let mut none = body.clone();
    none["attachment_ids"] = json!([]);
    let mut many = body.clone();
    many["attachment_ids"] = json!(vec![attachment.clone(); 21]);
    let mut unknown = body.clone();
    unknown["reason"] = json!("HOLDER_REQUEST");
    for (body, pointer, code) in [
        (future, "/date_of_death", "IN_FUTURE"),
        (none, "/attachment_ids", "REQUIRED"),
        (many, "/attachment_ids", "TOO_MANY_ATTACHMENTS"),
        (unknown, "/reason", "UNKNOWN_VALUE"),
    ] {
        let r = app.post("/v1/death-notifications", &relative, &body).await;
        let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(p["errors"][0]["pointer"], pointer, "{p}");
        assert_eq!(p["errors"][0]["code"], code, "{p}");
    }
}

/// A declaration of disappearance (失踪宣告) is notified like a death, with
/// the court's ruling attached: a DELETE_REGISTRATION case for the reason
/// DISAPPEARANCE that examiners confirm, then the registration is deleted,
/// the ministry reads the reason and nobody writes to the missing holder.
#[tokio::test]
async fn a_declaration_of_disappearance_is_notified_examined_and_deletes() {
    let app = spawn_app().await;
    let (reg, number) = registered(&app, "missing", "42345678901").await;
    let notifier = app.token(Role::Applicant, "spouse");
    let ruling = app.upload_pdf("spouse").await;
    let mut body = notice(&number, "花子", &ruling);
    body["reason"] = json!("DISAPPEARANCE");
    let mut without = body.clone();
    without["attachment_ids"] = json!([]);
    let r = app
        .post("/v1/death-notifications", &notifier, &without)
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["pointer"], "/attachment_ids", "{p}");
    let r = app.post("/v1/death-notifications", &notifier, &body).await;
    let receipt = answer(r, StatusCode::ACCEPTED).await;
    let id = receipt["receipt_id"].as_str().unwrap().to_owned();
    app.settle().await;
    let examiner = app.token(Role::Examiner, "ex-cr");
    let case: Value = app
        .get_json(&format!("/v1/change-requests/{id}"), &examiner)
        .await;
    assert_eq!(case["kind"], "DELETE_REGISTRATION");
    assert_eq!(case["deletion_reason"], "DISAPPEARANCE");
    assert_eq!(case["status"], "UNDER_EXAMINATION");
    assert_eq!(app.registration(&reg).await["status"], "REGISTERED");

    decide(&app, &id).await;
    app.settle().await;
    assert_eq!(app.registration(&reg).await["status"], "DELETED");
    let feed: Value = app
        .get_json("/v1/events?limit=100", &app.token(Role::Ministry, "MHLW"))
        .await;
    let deleted: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["registration_id"] == reg.as_str() && i["type"] == "REGISTRATION_DELETED")
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["data"]["reason"], "DISAPPEARANCE");
    // The notifier is answered; the missing holder is written nothing about it.
    let holder_inbox: Value = app
        .get_json("/v1/notifications", &app.token(Role::Applicant, "missing"))
        .await;
    assert!(
        holder_inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["case_id"] != id.as_str() && n["kind"] != "credential_revoked"),
        "{holder_inbox}"
    );
    let notifier_inbox: Value = app.get_json("/v1/notifications", &notifier).await;
    assert!(
        notifier_inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["case_id"] == id.as_str()),
        "{notifier_inbox}"
    );
}
