//! The whole procedure over HTTP: apply, pay in the sandbox, examine with four
//! eyes, and a registration number on the register.

use crate::common;

use crate::common::{application, my_number, spawn_app};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

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
    let page = app
        .http
        .get(&checkout)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("12320 JPY") && page.contains("Pay") && page.contains("Decline"));
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

    let r = app
        .post(
            &format!("/v1/registrations/{id}/assignment"),
            &examiner,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            &format!("/v1/registrations/{id}/decision-proposals"),
            &examiner,
            &json!({"outcome": "APPROVE", "note": "eligible"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            &format!("/v1/registrations/{id}/decision-approvals"),
            &senior,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let done: Value = r.json().await.unwrap();
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
        .get(&format!("/v1/registrations/{id}"), &applicant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["registration_number"], "0000001");
    assert!(
        mine["assigned_to"].is_null(),
        "internal fields are hidden from applicants"
    );
    app.settle().await;
    let list: Value = app
        .get("/v1/registrations", &applicant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["status"], "REGISTERED");
    let found: Value = app
        .get("/v1/registrations?registration_number=0000001", &examiner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"][0]["id"], id.as_str());
    let queue: Value = app.get("/v1/queue", &examiner).await.json().await.unwrap();
    assert_eq!(queue["items"][0]["assigned_to"], "ex-1");
    assert_eq!(queue["items"][0]["status"], "REGISTERED");
    let entry = projections::register::find(&app.pool, "CARE_WORKER", "0000001")
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

    let r = app
        .post(
            &format!("/v1/registrations/{id}/information-requests"),
            &examiner,
            &json!({"reason_code": "DOCUMENT_MISSING", "message": "Please attach your pass certificate."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen: Value = app
        .get(&format!("/v1/registrations/{id}"), &applicant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["status"], "ACTION_REQUIRED");
    assert_eq!(seen["reason_code"], "DOCUMENT_MISSING");
    assert_eq!(
        seen["information_request"]["message"],
        "Please attach your pass certificate."
    );

    let r = app
        .post(
            &format!("/v1/registrations/{id}/responses"),
            &applicant,
            &json!({"message": "Attached."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.registration(&id).await["status"], "UNDER_EXAMINATION");

    let r = app
        .post(
            &format!("/v1/registrations/{id}/decision-proposals"),
            &examiner,
            &json!({"outcome": "REJECT", "reason_code": "NOT_ELIGIBLE", "note": "no pass record"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
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

#[tokio::test]
async fn withdrawal_and_paper_applications() {
    let app = spawn_app().await;
    let applicant = app.token(Role::Applicant, "jiro");
    let id = app.apply("jiro", &my_number("32345678901")).await;
    let r = app
        .post(
            &format!("/v1/registrations/{id}/withdrawal"),
            &applicant,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.registration(&id).await["status"], "WITHDRAWN");
    let again = app
        .post(
            &format!("/v1/registrations/{id}/withdrawal"),
            &applicant,
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let problem: Value = again.json().await.unwrap();
    assert_eq!(problem["code"], "ALREADY_DECIDED");

    // An examiner enters a paper application; it has no online owner.
    let mut paper = application(&my_number("42345678901"));
    paper["channel"] = json!("PAPER");
    let r = app
        .post(
            "/v1/registrations",
            &app.token(Role::Examiner, "ex-3"),
            &paper,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["channel"], "PAPER");
    let paper_id = body["id"].as_str().unwrap();
    let r = app
        .get(&format!("/v1/registrations/{paper_id}"), &applicant)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_another_body() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "saburo");
    let body = application(&my_number("52345678901"));
    let send = |body: Value| {
        app.http
            .post(format!("{}/v1/registrations", app.base))
            .bearer_auth(&token)
            .header("Idempotency-Key", "key-1")
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();
    let second = send(body.clone()).await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers()["location"], first_location);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    let mut other = body.clone();
    other["address"] = json!("大阪府");
    let third = send(other).await.unwrap();
    assert_eq!(third.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = third.json().await.unwrap();
    assert_eq!(problem["code"], "IDEMPOTENCY_KEY_REUSED");
    app.settle().await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM registration_status")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "one application, however often the key was sent");
}

#[tokio::test]
async fn my_number_never_leaves_the_vault() {
    let app = spawn_app().await;
    let number = my_number("98765432109");
    let id = app.claimed("shiro", &number, "ex-4").await;
    app.post(
        &format!("/v1/registrations/{id}/decision-proposals"),
        &app.token(Role::Examiner, "ex-4"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let done = app
        .post(
            &format!("/v1/registrations/{id}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-4"),
            &json!({}),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(done.contains("REGISTERED"));
    // A bad number is refused without being echoed.
    let mut bad = application(&number);
    bad["my_number"] = json!(format!("{}0", &number[..11]));
    bad["family_name"] = json!("");
    let refused = app
        .post(
            "/v1/registrations",
            &app.token(Role::Applicant, "shiro"),
            &bad,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(refused.contains("INVALID_CHECK_DIGIT"));
    app.settle().await;

    let mut everything = done + &refused;
    for table in [
        "events",
        "registration_status",
        "examiner_queue",
        "register",
        "idempotency_keys",
        "subscription_checkpoints",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM {table} t"))
            .fetch_all(&app.pool)
            .await
            .unwrap();
        assert!(!rows.is_empty() || table != "events");
        everything.extend(rows);
    }
    everything.push_str(&common::captured_logs());
    assert!(everything.contains(&id), "the checks saw the case");
    assert!(!everything.contains(&number), "the My Number leaked");
    assert!(
        !everything.contains(&number[..11]),
        "the My Number's digits leaked"
    );

    // The vault holds it encrypted; revealing it is audited.
    let vault = projections::vault::Vault::new(app.pool.clone(), [0x11; 32]);
    let reference = vault
        .find(&domain::my_number::MyNumber::parse(&number).unwrap())
        .await
        .unwrap()
        .expect("in the vault");
    let auditor = |purpose: &str| projections::audit::Accessor {
        actor: "auditor-1".into(),
        role: "admin".into(),
        request_id: None,
        purpose: Some(purpose.into()),
    };
    let revealed = vault
        .reveal(reference, &auditor("registry inquiry"))
        .await
        .unwrap();
    assert_eq!(revealed.unwrap().expose(), number);
    let audited: (String, String) =
        sqlx::query_as("SELECT revealed_by, purpose FROM my_number_reveals WHERE vault_id = $1")
            .bind(reference)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        audited,
        ("auditor-1".to_owned(), "registry inquiry".to_owned())
    );
    vault.shred(reference).await.unwrap();
    assert!(vault
        .reveal(reference, &auditor("again"))
        .await
        .unwrap()
        .is_none());
}
