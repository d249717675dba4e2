//! What opening and deciding a sanction refuses: the wrong roles, unknown
//! registrations, malformed and unsound dates, and a proposer's own approval.

use super::*;

#[tokio::test]
async fn only_examiners_open_sanctions_with_sound_dates_and_four_eyes_decide() {
    let app = spawn_app().await;
    let reg = registered(&app, "jiro", "63345678901").await;
    let path = format!("/v1/registrations/{reg}/sanctions");

    // Roles: no token 401; the holder, another applicant, a ministry 403.
    let r = app
        .http
        .post(format!("{}{path}", app.base))
        .json(&suspension(30))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for (role, sub) in [
        (Role::Applicant, "jiro"),
        (Role::Applicant, "mallory"),
        (Role::Ministry, "MHLW"),
    ] {
        let r = app.post_as(role, sub, &path, &suspension(30)).await;
        assert_eq!(
            problem(r, StatusCode::FORBIDDEN).await["code"],
            "WRONG_ROLE",
            "{role:?}"
        );
    }
    // An unknown registration is 404.
    let unknown = open(&app, &uuid::Uuid::new_v4().to_string(), &suspension(30)).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Malformed JSON is 400; a date that is no date and an unknown kind are
    // shape errors (422, the API's rule for every body) naming the field.
    let r = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(app.token(Role::Examiner, "ex-s"))
        .header("content-type", "application/json")
        .body(r#"{"kind": "SUSPENSION", "starts_on": 2026-12-01"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(r, StatusCode::BAD_REQUEST).await["code"],
        "MALFORMED_JSON"
    );
    for (bad, pointer, code) in [
        (
            json!({"kind": "SUSPENSION", "reason": "r", "legal_basis": "b",
                   "starts_on": "2026-13-45", "ends_on": japan_day(3)}),
            "/starts_on",
            "INVALID",
        ),
        (
            json!({"kind": "BANISHMENT", "reason": "r", "legal_basis": "b",
                   "starts_on": japan_day(0)}),
            "/kind",
            "UNKNOWN_VALUE",
        ),
    ] {
        let p = problem(
            open(&app, &reg, &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(p["code"], "VALIDATION_FAILED", "{bad}");
        assert_eq!(p["errors"][0]["pointer"], pointer, "{bad}");
        assert_eq!(p["errors"][0]["code"], code, "{bad}");
    }
    // Unsound: each refused with its field and code.
    for (body, pointer, code) in [
        (suspension(0), "/ends_on", "NOT_AFTER_START"),
        (
            json!({"kind": "SUSPENSION", "reason": "r", "legal_basis": "b",
                   "starts_on": japan_day(0)}),
            "/ends_on",
            "REQUIRED",
        ),
        (
            json!({"kind": "REVOCATION", "reason": "r", "legal_basis": "b",
                   "starts_on": japan_day(0), "ends_on": japan_day(5)}),
            "/ends_on",
            "NOT_ALLOWED",
        ),
        (
            json!({"kind": "SUSPENSION", "reason": "r", "legal_basis": "b",
                   "starts_on": "2020-01-01", "ends_on": japan_day(5)}),
            "/starts_on",
            "IN_PAST",
        ),
        (
            json!({"kind": "SUSPENSION", "reason": "r", "legal_basis": "条".repeat(201),
                   "starts_on": japan_day(0), "ends_on": japan_day(5)}),
            "/legal_basis",
            "TOO_LONG",
        ),
    ] {
        let p = problem(
            open(&app, &reg, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(p["code"], "VALIDATION_FAILED", "{body}");
        assert_eq!(p["errors"][0]["pointer"], pointer, "{body}");
        assert_eq!(p["errors"][0]["code"], code, "{body}");
    }

    // A senior examiner who proposed cannot approve their own proposal.
    let opened = answer(open(&app, &reg, &suspension(30)).await, StatusCode::CREATED).await;
    let case = format!("/v1/sanctions/{}", opened["id"].as_str().unwrap());
    let senior = app.token(Role::SeniorExaminer, "sr-1");
    app.post_ok(&format!("{case}/assignment"), &senior, &json!({}))
        .await;
    app.post_ok(
        &format!("{case}/decision-proposals"),
        &senior,
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let own = app
        .post(&format!("{case}/decision-approvals"), &senior, &json!({}))
        .await;
    assert_eq!(
        problem(own, StatusCode::FORBIDDEN).await["code"],
        "FOUR_EYES_REQUIRED"
    );
    // Nothing took effect.
    assert_eq!(
        app.registration_of("jiro", &reg).await["status"],
        "REGISTERED"
    );
}
