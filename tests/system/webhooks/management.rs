//! Managing subscriptions: bad ones refused, a retried create answered alike.

use super::*;
use crate::common::answer;

#[tokio::test]
async fn bad_subscriptions_are_422_and_other_callers_are_refused() {
    let app = spawn_app().await;
    let mhlw = app.token(Role::Ministry, "MHLW");
    let long = format!("https://example.jp/{}", "a".repeat(2100));
    for (body, pointer, code) in [
        (
            json!({"url": "ftp://example.jp/x", "event_types": ["REGISTERED"]}),
            "/url",
            "INVALID_URL",
        ),
        (
            json!({"url": "not a url", "event_types": ["REGISTERED"]}),
            "/url",
            "INVALID_URL",
        ),
        (
            json!({"url": "https://u:p@example.jp/", "event_types": ["REGISTERED"]}),
            "/url",
            "INVALID_URL",
        ),
        (
            json!({"url": long, "event_types": ["REGISTERED"]}),
            "/url",
            "TOO_LONG",
        ),
        (
            json!({"url": "https://example.jp/", "event_types": []}),
            "/event_types",
            "REQUIRED",
        ),
        (
            json!({"url": "https://example.jp/", "event_types": ["REGISTERED", "NOPE"]}),
            "/event_types/1",
            "UNKNOWN_VALUE",
        ),
        (json!({"event_types": ["REGISTERED"]}), "/url", "REQUIRED"),
        (
            json!({"url": "https://example.jp/", "event_types": ["REGISTERED"], "x": 1}),
            "/x",
            "UNKNOWN_FIELD",
        ),
    ] {
        let r = app.post("/v1/webhook-subscriptions", &mhlw, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let problem: Value = r.json().await.unwrap();
        let errors = problem["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["pointer"] == pointer && e["code"] == code),
            "{body}: {problem}"
        );
    }
    let r = app
        .http
        .post(format!("{}/v1/webhook-subscriptions", app.base))
        .bearer_auth(&mhlw)
        .body("url=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let sub = subscribe(&app, "MHLW", "http://127.0.0.1:9/hook", &["REGISTERED"]).await;
    let id = sub["id"].as_str().unwrap();
    let paths = [
        ("GET", "/v1/webhook-subscriptions".to_owned()),
        ("POST", "/v1/webhook-subscriptions".to_owned()),
        ("DELETE", format!("/v1/webhook-subscriptions/{id}")),
        ("GET", format!("/v1/webhook-subscriptions/{id}/deliveries")),
        ("POST", format!("/v1/webhook-subscriptions/{id}/test")),
    ];
    let send = |method: &str, path: &str, token: Option<String>| {
        let mut req = app
            .http
            .request(method.parse().unwrap(), format!("{}{path}", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.json(&json!({"url": "https://example.jp/", "event_types": ["REGISTERED"]}))
            .send()
    };
    for (method, path) in &paths {
        let r = send(method, path, None).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        for role in [
            Role::Applicant,
            Role::Examiner,
            Role::SeniorExaminer,
            Role::Admin,
        ] {
            let r = send(method, path, Some(app.token(role, "x")))
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "{method} {path} {role:?}"
            );
        }
    }
    // Another ministry: its list is empty and the subscription does not exist for it.
    assert!(subscriptions(&app, "MEXT").await.is_empty());
    let mext = Some(app.token(Role::Ministry, "MEXT"));
    for (method, path) in &paths[2..] {
        let r = send(method, path, mext.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/v1/webhook-subscriptions/{unknown}/deliveries"),
        "/v1/webhook-subscriptions/not-a-uuid/deliveries".to_owned(),
    ] {
        let r = app.get(&path, &mhlw).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = app
        .get(
            &format!("/v1/webhook-subscriptions/{id}/deliveries?cursor=x"),
            &mhlw,
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // The owner deletes it; then it is gone.
    let r = send("DELETE", &paths[2].1, Some(mhlw.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = send("DELETE", &paths[2].1, Some(mhlw.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(subscriptions(&app, "MHLW").await.is_empty());
}

#[tokio::test]
async fn a_retried_create_with_an_idempotency_key_gets_the_same_secret() {
    let app = spawn_app().await;
    let create = |url: &'static str| {
        app.http
            .post(format!("{}/v1/webhook-subscriptions", app.base))
            .bearer_auth(app.token(Role::Ministry, "MHLW"))
            .header("Idempotency-Key", "hook-1")
            .json(&json!({"url": url, "event_types": ["REGISTERED"]}))
            .send()
    };
    let first = create("https://example.jp/hook").await.unwrap();
    let first = answer(first, StatusCode::CREATED).await;
    let again = create("https://example.jp/hook").await.unwrap();
    let again = answer(again, StatusCode::CREATED).await;
    assert_eq!(again, first);
    assert_eq!(subscriptions(&app, "MHLW").await.len(), 1);
    let other = create("https://example.jp/other").await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
