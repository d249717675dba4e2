//! Renewals refused: without the training certificate (422, with the
//! field), of another person's registration (404), of a revoked
//! registration (409 REGISTRATION_REVOKED), of a qualification whose
//! registrations do not expire (422 PROCEDURE_NOT_OFFERED), and one that is
//! already open (409).

use super::*;
use crate::common::problem;

#[tokio::test]
async fn a_renewal_without_its_certificate_of_someone_else_or_of_a_revoked_registration_is_refused()
{
    let app = crate::common::spawn_app().await;
    let reg = care_manager(&app, "jiro", "72345678901").await;

    // No certificate attached: the field is named.
    let r = renew(&app, "jiro", &reg, &[]).await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["pointer"], "/attachment_ids", "{body}");
    assert_eq!(body["errors"][0]["code"], "REQUIRED", "{body}");

    // Someone else's registration: not even its existence is told.
    let theirs = app.upload_pdf("mallory").await;
    let r = renew(&app, "mallory", &reg, &[&theirs]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A registration that does not expire has no renewal.
    let (worker, _) = app
        .registered("saburo", &my_number("73345678901"), "ex-v", "sr-v")
        .await;
    assert_eq!(
        app.registration_of("saburo", &worker).await["valid_until"],
        Value::Null
    );
    let training = app.upload_pdf("saburo").await;
    let r = renew(&app, "saburo", &worker, &[&training]).await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "PROCEDURE_NOT_OFFERED", "{body}");

    // One renewal open at a time.
    let first = app.upload_pdf("jiro").await;
    let filed = renew(&app, "jiro", &reg, &[&first]).await;
    assert_eq!(filed.status(), StatusCode::CREATED);
    let second = app.upload_pdf("jiro").await;
    let r = renew(&app, "jiro", &reg, &[&second]).await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "CHANGE_REQUEST_OPEN"
    );

    // Revoked: refused with its stable code.
    let revoked = care_manager(&app, "shiro", "74345678901").await;
    let opened = answer(
        app.post(
            &format!("/v1/registrations/{revoked}/sanctions"),
            &app.token(Role::Examiner, "ex-v"),
            &json!({
                "kind": "REVOCATION",
                "reason": "不正の手段による登録",
                "legal_basis": "介護保険法第69条の39",
                "starts_on": today(&app).await,
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let sanction = opened["id"].as_str().unwrap();
    app.claim_and_approve(&format!("/v1/sanctions/{sanction}"), "ex-v", "sr-v")
        .await;
    app.settle().await;
    assert_eq!(
        app.registration_of("shiro", &revoked).await["status"],
        "REVOKED"
    );
    let training = app.upload_pdf("shiro").await;
    let r = renew(&app, "shiro", &revoked, &[&training]).await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "REGISTRATION_REVOKED"
    );
}
