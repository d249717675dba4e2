//! Tokens, roles and ownership.

use super::*;

#[tokio::test]
async fn tokens_roles_and_ownership_are_enforced() {
    let app = spawn_app().await;
    let id = app.apply("owner", &my_number("12345678901")).await;
    let path = format!("/v1/registrations/{id}");
    let before = app.registration(&id).await;

    let none = app.get_anonymous(&path).await;
    let p = problem(none, StatusCode::UNAUTHORIZED).await;
    assert_eq!(p["code"], "UNAUTHENTICATED");
    let forged = api::auth::TokenKeys::new(b"not-the-secret").mint("owner", Role::Applicant, 60);
    problem(app.get(&path, &forged).await, StatusCode::UNAUTHORIZED).await;
    let expired = app.tokens.mint("owner", Role::Applicant, -10);
    let p = problem(app.get(&path, &expired).await, StatusCode::UNAUTHORIZED).await;
    assert!(p["detail"].as_str().unwrap().contains("expired"));
    problem(app.get(&path, "garbage").await, StatusCode::UNAUTHORIZED).await;

    // Someone else's application does not exist for them.
    let stranger = app.token(Role::Applicant, "stranger");
    problem(app.get(&path, &stranger).await, StatusCode::NOT_FOUND).await;
    problem(
        app.post(&format!("{path}/withdrawal"), &stranger, &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Wrong roles.
    let applicant = app.token(Role::Applicant, "owner");
    let p = problem(
        app.post(&format!("{path}/assignment"), &applicant, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "WRONG_ROLE");
    problem(
        app.get("/v1/queue", &applicant).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.get_as(Role::Ministry, "MHLW", "/v1/queue").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let examiner = app.token(Role::Examiner, "ex");
    problem(
        app.post(&format!("{path}/withdrawal"), &examiner, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post(
            "/v1/registrations",
            &examiner,
            &application(&my_number("22345678901")),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Ministries read, without the applicant's particulars.
    let seen: Value = app
        .get_json(&path, &app.token(Role::Ministry, "MHLW"))
        .await;
    assert!(seen["applicant"].is_null());
    // Unknown ids and unparseable ids are 404.
    problem(
        app.get(
            "/v1/registrations/7d0b2c56-0000-4000-8000-000000000000",
            &examiner,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get("/v1/registrations/not-a-uuid", &examiner).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get("/v1/no-such-thing", &examiner).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    assert_eq!(app.registration(&id).await, before, "nothing changed");
}
