//! Every kind of bad input gets a clear problem+json answer, never a 500, and
//! leaves the application exactly as it was.

use crate::common::{application, my_number, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn problem(r: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert!(body["code"].is_string() && body["title"].is_string() && body["detail"].is_string());
    body
}

fn pointers(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["pointer"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn raw_post(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.http
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count_registrations(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(DISTINCT aggregate_id) FROM events")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_or_oversized_or_mistyped_bodies_are_refused() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "a");
    let p = problem(
        raw_post(
            &app,
            "/v1/registrations",
            &token,
            "application/json",
            b"{\"a\":".to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p["code"], "MALFORMED_JSON");
    let body = serde_json::to_vec(&application(&my_number("12345678901"))).unwrap();
    let p = problem(
        raw_post(&app, "/v1/registrations", &token, "text/plain", body).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_eq!(p["code"], "UNSUPPORTED_MEDIA_TYPE");
    let huge = format!("{{\"address\": \"{}\"}}", "x".repeat(100_000)).into_bytes();
    let p = problem(
        raw_post(&app, "/v1/registrations", &token, "application/json", huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(p["code"], "PAYLOAD_TOO_LARGE");

    let mut unknown = application(&my_number("12345678901"));
    unknown["nickname"] = json!("hana");
    let p = problem(
        app.post("/v1/registrations", &token, &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        pointers(&p),
        [("/nickname".to_owned(), "UNKNOWN_FIELD".to_owned())]
    );
    let mut missing = application(&my_number("12345678901"));
    missing.as_object_mut().unwrap().remove("email");
    let p = problem(
        app.post("/v1/registrations", &token, &missing).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&p), [("/email".to_owned(), "REQUIRED".to_owned())]);
    let mut wrong_type = application(&my_number("12345678901"));
    wrong_type["my_number"] = json!(123456789018u64);
    let p = problem(
        app.post("/v1/registrations", &token, &wrong_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        pointers(&p),
        [("/my_number".to_owned(), "WRONG_TYPE".to_owned())]
    );
    assert!(
        !p.to_string().contains("123456789018"),
        "the number is not echoed"
    );
    assert_eq!(count_registrations(&app).await, 0);
}

#[tokio::test]
async fn invalid_fields_are_each_pointed_at() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "a");
    let mut bad = application(&my_number("12345678901"));
    bad["my_number"] = json!("123456789017");
    bad["date_of_birth"] = json!("2999-01-01");
    bad["family_name"] = json!("長".repeat(51));
    bad["qualification_code"] = json!("ASTRONAUT");
    let p = problem(
        app.post("/v1/registrations", &token, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut found = pointers(&p);
    found.sort();
    assert_eq!(
        found,
        [
            ("/date_of_birth".to_owned(), "IN_FUTURE".to_owned()),
            ("/family_name".to_owned(), "TOO_LONG".to_owned()),
            ("/my_number".to_owned(), "INVALID_CHECK_DIGIT".to_owned()),
            (
                "/qualification_code".to_owned(),
                "UNKNOWN_QUALIFICATION".to_owned()
            ),
        ]
    );
    assert!(!p.to_string().contains("123456789017"));
    assert_eq!(count_registrations(&app).await, 0);
}

#[tokio::test]
async fn tokens_roles_and_ownership_are_enforced() {
    let app = spawn_app().await;
    let id = app.apply("owner", &my_number("12345678901")).await;
    let path = format!("/v1/registrations/{id}");
    let before = app.registration(&id).await;

    let none = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
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
        app.get("/v1/queue", &app.token(Role::Ministry, "MHLW"))
            .await,
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
        .get(&path, &app.token(Role::Ministry, "MHLW"))
        .await
        .json()
        .await
        .unwrap();
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
        app.post(
            &format!("{path}/responses"),
            &app.token(Role::Applicant, "owner"),
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
    let r = app
        .post(
            &format!("{senior_path}/decision-proposals"),
            &senior,
            &json!({"outcome": "APPROVE"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
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

#[tokio::test]
async fn bad_query_parameters_are_refused() {
    let app = spawn_app().await;
    let examiner = app.token(Role::Examiner, "ex");
    let p = problem(
        app.get("/v1/queue?limit=1000", &examiner).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p["code"], "INVALID_LIMIT");
    let p = problem(
        app.get("/v1/queue?cursor=%%%", &examiner).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p["code"], "INVALID_CURSOR");
    let p = problem(
        app.get("/v1/queue?overdue=maybe", &examiner).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p["code"], "INVALID_QUERY");
    let p = problem(
        app.get("/v1/registrations?colour=red", &examiner).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p["code"], "INVALID_QUERY");
}

#[tokio::test]
async fn only_short_plain_request_ids_are_kept_and_stored() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "rid-applicant");
    let post = |rid: String, number: &str| {
        app.http
            .post(format!("{}/v1/registrations", app.base))
            .bearer_auth(&token)
            .header("x-request-id", rid)
            .json(&application(&my_number(number)))
            .send()
    };
    let kept = post("portal-42.a:b_c".into(), "30000000001").await.unwrap();
    assert_eq!(kept.status(), StatusCode::CREATED);
    assert_eq!(kept.headers()["x-request-id"], "portal-42.a:b_c");
    let odd = format!("<b>{}</b>", "x".repeat(80));
    let replaced = post(odd.clone(), "30000000002").await.unwrap();
    assert_eq!(replaced.status(), StatusCode::CREATED);
    let echoed = replaced.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(echoed, odd);
    assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT metadata->>'request_id' FROM events WHERE metadata->>'request_id' IS NOT NULL",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(stored.contains(&"portal-42.a:b_c".to_owned()), "{stored:?}");
    assert!(stored.contains(&echoed), "{stored:?}");
    assert!(!stored.iter().any(|s| s.contains('<')), "{stored:?}");
}
