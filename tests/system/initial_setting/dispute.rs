//! A link is told to the holder, and someone else (the holder of the paper
//! registration) can dispute it: the office then finds it flagged.

use super::*;
use crate::common::problem;
use reqwest::Response;

fn dispute_of(reason: &str) -> Value {
    json!({"qualification_code": "CARE_WORKER", "registration_number": "0100001",
           "family_name": "田中", "given_name": "一郎", "date_of_birth": "1970-01-02",
           "reason": reason})
}

#[tokio::test]
async fn a_link_is_told_to_the_holder_and_can_be_disputed_for_the_office() {
    let (app, data_dir) = app_with_tanaka().await;
    // Nothing to dispute before anyone linked it.
    let r = app
        .post_as(
            Role::Applicant,
            "tanaka",
            "/v1/registration-links/disputes",
            &dispute_of("?"),
        )
        .await;
    assert_eq!(problem(r, StatusCode::CONFLICT).await["code"], "NOT_LINKED");

    let id = linked_by_letter(&app, &data_dir, "linker").await;
    app.settle().await;
    let inbox: Value = app
        .get_json("/v1/notifications", &app.token(Role::Applicant, "linker"))
        .await;
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["holder_linked"], "the link is told");
    assert!(inbox["items"][0]["body"]
        .as_str()
        .unwrap()
        .contains("/v1/registration-links/disputes"));

    // The linked holder does not dispute their own link.
    let r = app
        .post_as(
            Role::Applicant,
            "linker",
            "/v1/registration-links/disputes",
            &dispute_of("?"),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "WRONG_ROLE"
    );
    // A reason is required.
    let r = app
        .post_as(
            Role::Applicant,
            "tanaka",
            "/v1/registration-links/disputes",
            &dispute_of(" "),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["pointer"],
        "/reason"
    );
    // Wrong particulars are a miss, as for a link.
    let mut wrong = dispute_of("not me");
    wrong["family_name"] = json!("田所");
    let r = app
        .post_as(
            Role::Applicant,
            "tanaka",
            "/v1/registration-links/disputes",
            &wrong,
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
        "LINK_NOT_MATCHED"
    );

    let r = app
        .post_as(
            Role::Applicant,
            "tanaka",
            "/v1/registration-links/disputes",
            &dispute_of("I never linked my registration"),
        )
        .await;
    let receipt = answer(r, StatusCode::ACCEPTED).await;
    assert_eq!(receipt["registration_number"], "0100001");
    app.settle().await;

    // The office sees it: on the registration and in the queue.
    let examiner = app.token(Role::Examiner, "ex");
    let seen: Value = app
        .get_json(&format!("/v1/registrations/{id}"), &examiner)
        .await;
    assert!(seen["flags"]
        .as_array()
        .unwrap()
        .contains(&json!("LINK_DISPUTED")));
    let queue: Value = app.get_json("/v1/queue?limit=100", &examiner).await;
    let row = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_id"] == id.as_str())
        .expect("the disputed registration is in the queue");
    assert_eq!(row["flags"], json!(["LINK_DISPUTED"]));
    assert_eq!(row["status"], "REGISTERED");
}

/// Asks `role` `sub` to resolve the dispute of registration `id`.
async fn resolve_as(app: &TestApp, role: Role, sub: &str, id: &str, body: Value) -> Response {
    app.post_as(
        role,
        sub,
        &format!("/v1/registrations/{id}/link-dispute-resolution"),
        &body,
    )
    .await
}

/// Disputes the link of 田中一郎's registration as `tanaka`.
async fn disputed_by_tanaka(app: &TestApp) {
    let r = app
        .post_as(
            Role::Applicant,
            "tanaka",
            "/v1/registration-links/disputes",
            &dispute_of("I never linked my registration"),
        )
        .await;
    answer(r, StatusCode::ACCEPTED).await;
    app.settle().await;
}

/// The flags of registration `id` in the examiner queue (decided cases
/// too: a resolved dispute leaves the default, open-work view).
async fn queued_flags(app: &TestApp, id: &str) -> Value {
    let queue: Value = app
        .get_json(
            "/v1/queue?limit=100&all=true",
            &app.token(Role::Examiner, "ex"),
        )
        .await;
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_id"] == id)
        .expect("the disputed registration is in the queue")["flags"]
        .clone()
}

#[tokio::test]
async fn a_senior_examiner_resolves_a_dispute_and_an_undone_link_can_be_made_again() {
    let (app, data_dir) = app_with_tanaka().await;
    let id = linked_by_letter(&app, &data_dir, "linker").await;
    let upheld =
        json!({"unlink": false, "reason": "the linker showed the certificate at the counter"});
    // Nothing to resolve before a dispute.
    let r = resolve_as(&app, Role::SeniorExaminer, "senior", &id, upheld.clone()).await;
    assert_eq!(problem(r, StatusCode::CONFLICT).await["code"], "NO_DISPUTE");

    disputed_by_tanaka(&app).await;
    // Only a senior examiner resolves, with a reason.
    for (role, sub) in [(Role::Examiner, "ex"), (Role::Applicant, "tanaka")] {
        let r = resolve_as(&app, role, sub, &id, upheld.clone()).await;
        assert_eq!(
            problem(r, StatusCode::FORBIDDEN).await["code"],
            "WRONG_ROLE"
        );
    }
    let r = resolve_as(
        &app,
        Role::SeniorExaminer,
        "senior",
        &id,
        json!({"unlink": true, "reason": " "}),
    )
    .await;
    assert_eq!(
        problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["pointer"],
        "/reason"
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    let r = resolve_as(
        &app,
        Role::SeniorExaminer,
        "senior",
        &unknown,
        upheld.clone(),
    )
    .await;
    problem(r, StatusCode::NOT_FOUND).await;

    // Upheld: the link stands, the flag goes.
    let r = resolve_as(&app, Role::SeniorExaminer, "senior", &id, upheld).await;
    let seen = answer(r, StatusCode::OK).await;
    assert_eq!(seen["flags"], json!([]));
    app.settle().await;
    assert_eq!(queued_flags(&app, &id).await, json!([]));
    let linker = app.token(Role::Applicant, "linker");
    let r = app.get(&format!("/v1/registrations/{id}"), &linker).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "an upheld link stays the linker's"
    );

    // Disputed again, and undone this time.
    disputed_by_tanaka(&app).await;
    assert_eq!(queued_flags(&app, &id).await, json!(["LINK_DISPUTED"]));
    let undo = json!({"unlink": true, "reason": "the register's holder was never at the counter"});
    let r = resolve_as(&app, Role::SeniorExaminer, "senior", &id, undo).await;
    let seen = answer(r, StatusCode::OK).await;
    assert_eq!(seen["flags"], json!([]));
    assert!(seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event"] == "LinkDisputeResolved"));
    app.settle().await;
    assert_eq!(queued_flags(&app, &id).await, json!([]));

    // The old linker no longer sees the registration, and was told.
    let r = app.get(&format!("/v1/registrations/{id}"), &linker).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let mine: Value = app.get_json("/v1/registrations", &linker).await;
    assert_eq!(mine["items"], json!([]), "nor lists it");
    let inbox: Value = app.get_json("/v1/notifications", &linker).await;
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "link_dispute_resolved",
            "link_dispute_resolved",
            "holder_linked"
        ]
    );
    let body = inbox["items"][0]["body"].as_str().unwrap();
    assert!(body.contains("取り消しました") || body.contains("undone"));
    assert!(
        !body.contains("counter"),
        "the office's reasons stay inside"
    );

    // The rightful holder links it now.
    let again = linked_by_letter(&app, &data_dir, "tanaka").await;
    assert_eq!(again, id);
    assert_eq!(linked_owners(&app).await, vec!["linker", "tanaka"]);
    let r = app
        .get(
            &format!("/v1/registrations/{id}"),
            &app.token(Role::Applicant, "tanaka"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
