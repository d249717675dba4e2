//! Intake: withdrawal and paper applications, idempotency keys, and the My
//! Number kept in the vault.

use super::*;
use crate::common::answer;

#[tokio::test]
async fn withdrawal_and_paper_applications() {
    let app = spawn_app().await;
    let applicant = app.token(Role::Applicant, "jiro");
    let id = app.apply("jiro", &my_number("32345678901")).await;
    app.post_ok(
        &format!("/v1/registrations/{id}/withdrawal"),
        &applicant,
        &json!({}),
    )
    .await;
    assert_eq!(app.registration(&id).await["status"], "WITHDRAWN");
    let again = app
        .post(
            &format!("/v1/registrations/{id}/withdrawal"),
            &applicant,
            &json!({}),
        )
        .await;
    let problem = answer(again, StatusCode::CONFLICT).await;
    assert_eq!(problem["code"], "ALREADY_DECIDED");

    // An examiner enters a paper application; it has no online owner.
    let mut paper = application(&my_number("42345678901"));
    paper["channel"] = json!("PAPER");
    let r = app
        .post_as(Role::Examiner, "ex-3", "/v1/registrations", &paper)
        .await;
    let body = answer(r, StatusCode::CREATED).await;
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
    let problem = answer(third, StatusCode::UNPROCESSABLE_ENTITY).await;
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
    app.post_as(
        Role::Examiner,
        "ex-4",
        &format!("/v1/registrations/{id}/decision-proposals"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let done = app
        .post_as(
            Role::SeniorExaminer,
            "sr-4",
            &format!("/v1/registrations/{id}/decision-approvals"),
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
        .post_as(Role::Applicant, "shiro", "/v1/registrations", &bad)
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
    let vault = adapters::vault::Vault::new(app.pool.clone(), [0x11; 32]);
    let reference = vault
        .find(&domain::my_number::MyNumber::parse(&number).unwrap())
        .await
        .unwrap()
        .expect("in the vault");
    // Stored again, the number finds its row: not new, so a submit looks up
    // the cases holding it; a number never seen gets a new row.
    let mut conn = app.pool.acquire().await.unwrap();
    let parsed = domain::my_number::MyNumber::parse(&number).unwrap();
    let again = vault.store_in(&mut conn, &parsed).await.unwrap();
    assert_eq!(
        again,
        adapters::vault::Stored {
            id: reference,
            new: false
        }
    );
    let other = common::my_number(&format!(
        "{:011}",
        uuid::Uuid::new_v4().as_u128() % 100_000_000_000
    ));
    let other = domain::my_number::MyNumber::parse(&other).unwrap();
    let fresh = vault.store_in(&mut conn, &other).await.unwrap();
    assert!(fresh.new && fresh.id != reference, "{fresh:?}");
    drop(conn);
    let auditor = |purpose: &str| adapters::audit::Accessor {
        actor: "auditor-1".into(),
        role: "admin".into(),
        request_id: None,
        purpose: Some(purpose.into()),
    };
    let case = uuid::Uuid::parse_str(&id).unwrap();
    let revealed = vault
        .reveal(reference, case, &auditor("registry inquiry"))
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
        .reveal(reference, case, &auditor("again"))
        .await
        .unwrap()
        .is_none());
}
