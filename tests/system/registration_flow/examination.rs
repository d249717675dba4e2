//! Examination: from submission to the register, and an information request
//! answered, then a rejection.

use super::*;

#[tokio::test]
async fn application_goes_from_submission_to_the_register() {
    let app = spawn_app().await;
    let applicant = app.token(Role::Applicant, "hanako");
    let examiner = app.token(Role::Examiner, "ex-1");
    let senior = app.token(Role::SeniorExaminer, "sr-1");

    let r = app
        .post(
            "/v1/registrations",
            &applicant,
            &application(&my_number("12345678901")),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(r.headers()["etag"], "\"2\"");
    let body: Value = r.json().await.unwrap();
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/registrations/{id}"));
    assert_eq!(body["status"], "AWAITING_PAYMENT");
    assert_eq!(body["fee"], json!({"amount": 12320, "currency": "JPY"}));
    assert_eq!(body["payment"]["status"], "PENDING");
    // The checkout is opened by the payment worker moments later.
    let checkout = app.checkout_url(&id).await;
    assert!(checkout.starts_with(&format!("{}/sandbox/payments/{id}?token=", app.base)));
    let submitted: chrono::DateTime<chrono::Utc> =
        body["submitted_at"].as_str().unwrap().parse().unwrap();
    let due: chrono::DateTime<chrono::Utc> = body["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        (due - submitted).num_days(),
        30,
        "service standard of CARE_WORKER"
    );

    // The sandbox page shows the amount; paying twice changes nothing.
    let page = app.text_at(&checkout).await;
    assert!(page.contains("12320 円 (JPY)") && page.contains("Pay") && page.contains("Decline"));
    assert!(
        page.contains("支払う") && page.contains("介護福祉士") && !page.contains("CARE_WORKER"),
        "in Japanese and English, the qualification in words: {page}"
    );
    app.pay(&id).await;
    let (page, token) = checkout.split_once('?').unwrap();
    let again = app
        .http
        .post(format!("{page}/pay?{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    app.settle().await;
    let paid = app.registration(&id).await;
    assert_eq!(paid["status"], "UNDER_EXAMINATION");
    assert_eq!(
        paid["payment"],
        json!({"status": "PAID", "checkout_url": null, "refund": null})
    );
    assert_eq!(paid["version"], 5, "the second payment added no event");
    assert_eq!(
        paid["flags"],
        json!([]),
        "the registers confirmed the application"
    );

    app.post_ok(
        &format!("/v1/registrations/{id}/assignment"),
        &examiner,
        &json!({}),
    )
    .await;
    app.post_ok(
        &format!("/v1/registrations/{id}/decision-proposals"),
        &examiner,
        &json!({"outcome": "APPROVE", "note": "eligible"}),
    )
    .await;
    let done = app
        .post_ok(
            &format!("/v1/registrations/{id}/decision-approvals"),
            &senior,
            &json!({}),
        )
        .await;
    assert_eq!(done["status"], "REGISTERED");
    assert_eq!(done["registration_number"], "0000001");
    let events: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "ApplicationSubmitted",
            "FeeAssessed",
            "CheckoutOpened",
            "PaymentSettled",
            "RegistryInquiryAnswered",
            "ExaminerAssigned",
            "DecisionProposed",
            "DecisionApproved",
            "Registered"
        ]
    );

    // The applicant sees the number; the views follow.
    let mine: Value = app
        .get_json(&format!("/v1/registrations/{id}"), &applicant)
        .await;
    assert_eq!(mine["registration_number"], "0000001");
    assert!(
        mine["assigned_to"].is_null(),
        "internal fields are hidden from applicants"
    );
    app.settle().await;
    let list: Value = app.get_json("/v1/registrations", &applicant).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["status"], "REGISTERED");
    let found: Value = app
        .get_json("/v1/registrations?registration_number=0000001", &examiner)
        .await;
    assert_eq!(found["items"][0]["id"], id.as_str());
    // A registered case is no longer work: among all cases, not the open ones.
    let open: Value = app.get_json("/v1/queue", &examiner).await;
    assert_eq!(open["items"], serde_json::json!([]), "{open}");
    let queue: Value = app.get_json("/v1/queue?all=true", &examiner).await;
    assert_eq!(queue["items"][0]["assigned_to"], "ex-1");
    assert_eq!(queue["items"][0]["status"], "REGISTERED");
    let entry = views::register::find(&app.pool, "CARE_WORKER", "0000001")
        .await
        .unwrap()
        .expect("on the register");
    assert_eq!(
        (entry.family_name.as_str(), entry.given_name.as_str()),
        ("山田", "花子")
    );
}

#[tokio::test]
async fn information_request_response_and_rejection() {
    let app = spawn_app().await;
    let applicant = app.token(Role::Applicant, "taro");
    let examiner = app.token(Role::Examiner, "ex-2");
    let senior = app.token(Role::SeniorExaminer, "sr-2");
    let id = app.claimed("taro", &my_number("22345678901"), "ex-2").await;

    app.post_ok(&format!("/v1/registrations/{id}/information-requests"),
            &examiner,
            &json!({"reason_code": "DOCUMENT_MISSING", "message": "Please attach your pass certificate."})).await;
    let seen: Value = app
        .get_json(&format!("/v1/registrations/{id}"), &applicant)
        .await;
    assert_eq!(seen["status"], "ACTION_REQUIRED");
    assert_eq!(seen["reason_code"], "DOCUMENT_MISSING");
    assert_eq!(
        seen["information_request"]["message"],
        "Please attach your pass certificate."
    );

    app.post_ok(
        &format!("/v1/registrations/{id}/responses"),
        &applicant,
        &json!({"message": "Attached."}),
    )
    .await;
    assert_eq!(app.registration(&id).await["status"], "UNDER_EXAMINATION");

    app.post_ok(
        &format!("/v1/registrations/{id}/decision-proposals"),
        &examiner,
        &json!({"outcome": "REJECT", "reason_code": "NOT_ELIGIBLE", "note": "no pass record"}),
    )
    .await;
    let r = app
        .post(
            &format!("/v1/registrations/{id}/decision-approvals"),
            &senior,
            &json!({}),
        )
        .await;
    let rejected: Value = r.json().await.unwrap();
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["reason_code"], "NOT_ELIGIBLE");
    assert!(rejected["registration_number"].is_null());
}
