//! A revocation: the registration ends as REVOKED, its certificate reads
//! INVALID for good, the ministry is told, and nothing more can be done on it.

use super::*;

#[tokio::test]
async fn a_revocation_ends_the_registration_and_invalidates_its_certificate() {
    let app = spawn_app().await;
    let reg = registered(&app, "taro", "62345678901").await;
    let cert = certificate(&app, "taro", &reg).await;
    let idx = cert["status_index"].as_u64().unwrap();
    let body = json!({
        "kind": "REVOCATION",
        "reason": "欠格事由に該当",
        "legal_basis": "社会福祉士及び介護福祉士法第32条第1項",
        "starts_on": japan_day(0),
    });
    let id = approved(&app, &reg, &body).await;

    let revoked = app.registration_of("taro", &reg).await;
    assert_eq!(revoked["status"], "REVOKED");
    assert_eq!(app.published_status(idx).await, Some(Status::Invalid));
    assert_eq!(
        verify(&app, cert["token"].as_str().unwrap()).await["result"],
        "REVOKED"
    );
    let items = app.feed_of(&reg, "REGISTRATION_REVOKED").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["data"]["sanction_id"], id.as_str());
    let certificates = app.feed_of(&reg, "CERTIFICATE_REVOKED").await;
    assert_eq!(certificates.len(), 1);
    assert_eq!(certificates[0]["data"]["reason"], "REGISTRATION_REVOKED");
    // No lift is scheduled for a revocation.
    let lifts: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'sanction.lift'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(lifts, 0);

    // Nothing more on a revoked registration: no change request, no sanction.
    let change = app
        .post(
            &format!("/v1/registrations/{reg}/change-requests"),
            &app.token(Role::Applicant, "taro"),
            &json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区1-1"}}),
        )
        .await;
    assert_eq!(
        problem(change, StatusCode::CONFLICT).await["code"],
        "REGISTRATION_REVOKED"
    );
    let again = open(&app, &reg, &suspension(10)).await;
    assert_eq!(
        problem(again, StatusCode::CONFLICT).await["code"],
        "REGISTRATION_REVOKED"
    );
}

/// A revoked care worker applies again: refused with the day the bar ends
/// (two years for care workers, in the catalogue) and nothing about anyone;
/// refused still the day before, accepted on the day, by the test clock.
#[tokio::test]
async fn after_a_revocation_the_holder_is_barred_until_the_catalogue_s_date() {
    let app = spawn_app().await;
    let catalogue: Value = app
        .get_anonymous("/v1/qualifications")
        .await
        .json()
        .await
        .unwrap();
    let care = catalogue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["code"] == "CARE_WORKER")
        .unwrap();
    assert_eq!(care["revocation_bar_years"], 2);
    let reg = registered(&app, "jiro", "63345678901").await;
    let body = json!({
        "kind": "REVOCATION",
        "reason": "欠格事由に該当",
        "legal_basis": "社会福祉士及び介護福祉士法第32条第1項",
        "starts_on": japan_day(0),
    });
    approved(&app, &reg, &body).await;
    let bar_end = japan_day(0)
        .checked_add_months(chrono::Months::new(24))
        .unwrap();
    let items = app.feed_of(&reg, "REGISTRATION_REVOKED").await;
    assert_eq!(items[0]["data"]["barred_until"], json!(bar_end));

    let again = || async {
        app.post(
            "/v1/registrations",
            &app.token(Role::Applicant, "jiro"),
            &application(&my_number("63345678901")),
        )
        .await
    };
    let refused = problem(again().await, StatusCode::CONFLICT).await;
    assert_eq!(refused["code"], "REREGISTRATION_BARRED");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains(&bar_end.to_string()), "{detail}");
    for personal in ["山田", "花子", "63345678901", reg.as_str()] {
        assert!(!refused.to_string().contains(personal), "{refused}");
    }
    // Another qualification is not barred.
    let mut other = application(&my_number("63345678901"));
    other["qualification_code"] = json!("SOCIAL_WORKER");
    let r = app
        .post(
            "/v1/registrations",
            &app.token(Role::Applicant, "jiro"),
            &other,
        )
        .await;
    answer(r, StatusCode::CREATED).await;

    // The day before the bar ends: still refused; on the day: accepted.
    let admin = app.token(Role::Admin, "ops");
    let days = (bar_end - japan_day(0)).num_days();
    app.post_ok(
        "/v1/admin/test-clock",
        &admin,
        &json!({"advance_days": days - 1}),
    )
    .await;
    let refused = problem(again().await, StatusCode::CONFLICT).await;
    assert_eq!(refused["code"], "REREGISTRATION_BARRED");
    app.post_ok("/v1/admin/test-clock", &admin, &json!({"advance_days": 1}))
        .await;
    let accepted = answer(again().await, StatusCode::CREATED).await;
    assert_eq!(accepted["qualification_code"], "CARE_WORKER");
}

/// A change request filed before the revocation and approved after it ends
/// clearly (REGISTRATION_REVOKED): the change-request process does not stop
/// on it (`settle` would time out), and nothing changes on the registration.
#[tokio::test]
async fn a_change_request_approved_after_the_revocation_ends_clearly() {
    let app = spawn_app().await;
    let reg = registered(&app, "saburo", "64345678901").await;
    let r = app
        .post(
            &format!("/v1/registrations/{reg}/change-requests"),
            &app.token(Role::Applicant, "saburo"),
            &json!({"kind": "CHANGE_NAME", "changes": {"given_name": "三郎"}}),
        )
        .await;
    let pending = answer(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revocation = json!({
        "kind": "REVOCATION",
        "reason": "欠格事由に該当",
        "starts_on": japan_day(0),
    });
    approved(&app, &reg, &revocation).await;
    app.pay(&pending).await;
    app.claim_and_approve(&format!("/v1/change-requests/{pending}"), "ex-cr", "sr-cr")
        .await;
    app.settle().await;
    let ended: Value = app
        .get_json(
            &format!("/v1/change-requests/{pending}"),
            &app.token(Role::Examiner, "ex-cr"),
        )
        .await;
    assert_eq!(ended["reason_code"], "REGISTRATION_REVOKED");
    let revoked = app.registration_of("saburo", &reg).await;
    assert_eq!(revoked["status"], "REVOKED");
    assert_ne!(revoked["given_name"], "三郎");
}
