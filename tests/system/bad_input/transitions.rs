//! Illegal transitions and stale versions.

use super::*;

#[tokio::test]
async fn illegal_transitions_and_stale_versions_change_nothing() {
    let app = spawn_app().await;
    let examiner = app.token(Role::Examiner, "ex-1");
    let other = app.token(Role::Examiner, "ex-2");
    let senior = app.token(Role::SeniorExaminer, "sr-1");
    let id = app.apply("owner", &my_number("12345678901")).await;
    let path = format!("/v1/registrations/{id}");

    // Not paid yet: no claim.
    let before = app.registration(&id).await;
    let p = problem(
        app.post(&format!("{path}/assignment"), &examiner, &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["code"], "NOT_UNDER_EXAMINATION");
    assert_eq!(app.registration(&id).await, before);

    app.pay(&id).await;
    // Acting before assignment.
    let p = problem(
        app.post(
            &format!("{path}/decision-proposals"),
            &examiner,
            &json!({"outcome": "APPROVE"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["code"], "CASE_NOT_ASSIGNED");
    app.post(&format!("{path}/assignment"), &examiner, &json!({}))
        .await;
    let before = app.registration(&id).await;
    let p = problem(
        app.post(&format!("{path}/assignment"), &other, &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["code"], "ALREADY_ASSIGNED");
    let p = problem(
        app.post(
            &format!("{path}/assignment"),
            &other,
            &json!({"examiner": "ex-3"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "ASSIGN_OTHERS_FORBIDDEN");
    let p = problem(
        app.post(
            &format!("{path}/decision-proposals"),
            &other,
            &json!({"outcome": "APPROVE"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "NOT_ASSIGNED_EXAMINER");
    let p = problem(
        app.post(&format!("{path}/decision-approvals"), &senior, &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["code"], "NO_PROPOSAL");
    let p = problem(
        app.post_as(
            Role::Applicant,
            "owner",
            &format!("{path}/responses"),
            &json!({"message": "hi"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["code"], "NOT_ACTION_REQUIRED");
    let p = problem(
        app.post(
            &format!("{path}/decision-proposals"),
            &examiner,
            &json!({"outcome": "REJECT"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        pointers(&p),
        [("/reason_code".to_owned(), "REQUIRED".to_owned())]
    );
    let p = problem(
        app.post(
            &format!("{path}/information-requests"),
            &examiner,
            &json!({"reason_code": "BECAUSE", "message": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        pointers(&p),
        [("/reason_code".to_owned(), "UNKNOWN_VALUE".to_owned())]
    );
    assert_eq!(app.registration(&id).await, before);

    // A stale If-Match is 412; a current one goes through.
    let stale = app
        .http
        .post(format!("{}{path}/decision-proposals", app.base))
        .bearer_auth(&examiner)
        .header("If-Match", "\"1\"")
        .json(&json!({"outcome": "APPROVE"}))
        .send()
        .await
        .unwrap();
    let p = problem(stale, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(p["code"], "PRECONDITION_FAILED");
    assert_eq!(app.registration(&id).await, before);
    let current = before["version"].to_string();
    let ok = app
        .http
        .post(format!("{}{path}/decision-proposals", app.base))
        .bearer_auth(&examiner)
        .header("If-Match", format!("\"{current}\""))
        .json(&json!({"outcome": "APPROVE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    // Four eyes: the proposer may not approve, even as a senior examiner.
    let senior_id = app
        .claimed("owner2", &my_number("22345678901"), "unused")
        .await;
    let senior_path = format!("/v1/registrations/{senior_id}");
    app.post(
        &format!("{senior_path}/assignment"),
        &senior,
        &json!({"examiner": "sr-1"}),
    )
    .await;
    app.post_ok(
        &format!("{senior_path}/decision-proposals"),
        &senior,
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let p = problem(
        app.post(
            &format!("{senior_path}/decision-approvals"),
            &senior,
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "FOUR_EYES_REQUIRED");
    problem(
        app.post(
            &format!("{senior_path}/decision-approvals"),
            &examiner,
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        app.registration(&senior_id).await["status"],
        "UNDER_EXAMINATION"
    );
}
