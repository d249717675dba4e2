//! A link is told to the holder, and someone else (the holder of the paper
//! registration) can dispute it: the office then finds it flagged.

use super::*;
use crate::common::problem;

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
