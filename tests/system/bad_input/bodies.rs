//! Bad bodies, fields, query parameters and request ids.

use super::*;

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
