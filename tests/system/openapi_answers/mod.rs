//! The spec says what the server really sends: the main flows (apply, pay,
//! examine, register, certificate, change request, the ministry's reads,
//! feed and webhooks, errors, the operators' endpoints) are run and every
//! JSON answer is held to its schema: each key sent is declared and
//! required (nullable where it may be null), each required key is sent.

mod conformance;

use domain::Role;
use reqwest::Response;
use serde_json::{json, Value};

use crate::common::certificates::{certificate, registered};
use crate::common::ministry::{client_token, create_client};
use crate::common::{application, my_number, spawn_app, TestApp};
use conformance::Conformance;

/// Runs requests and checks their answers against a document.
struct Checker<'a> {
    app: &'a TestApp,
    spec: Value,
    seen: Conformance,
}

impl Checker<'_> {
    /// Checks `r`, the answer to `method template`, and returns its body.
    async fn answer(&mut self, method: &str, template: &str, r: Response) -> Value {
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        self.seen.check(&self.spec, method, template, status, &body);
        body
    }

    async fn get(&mut self, template: &str, path: &str, token: &str) -> Value {
        let r = self.app.get(path, token).await;
        self.answer("get", template, r).await
    }

    async fn post(&mut self, template: &str, path: &str, token: &str, body: &Value) -> Value {
        let r = self.app.post(path, token, body).await;
        self.answer("post", template, r).await
    }
}

#[tokio::test]
async fn every_answer_of_the_main_flows_matches_its_schema() {
    let app = spawn_app().await;
    let mut c = Checker {
        app: &app,
        spec: serde_json::to_value(api::openapi()).unwrap(),
        seen: Conformance::default(),
    };
    let applicant = app.token(Role::Applicant, "hanako");
    let examiner = app.token(Role::Examiner, "ex-cert");
    let ministry = app.token(Role::Ministry, "MHLW");
    let admin = app.token(Role::Admin, "root");

    let r = app.get_anonymous("/v1/qualifications").await;
    c.answer("get", "/v1/qualifications", r).await;

    // An application paid, examined, approved, its certificate issued.
    let reg = registered(&app, "hanako", "82345678901").await;
    certificate(&app, "hanako", &reg).await;
    let path = format!("/v1/registrations/{reg}");
    let one = "/v1/registrations/{id}";
    for token in [&applicant, &examiner, &ministry] {
        c.get(one, &path, token).await;
        c.get("/v1/registrations", "/v1/registrations", token).await;
    }
    let cert = c
        .get(
            "/v1/registrations/{id}/certificate",
            &format!("{path}/certificate"),
            &applicant,
        )
        .await;
    let r = app
        .http
        .post(format!("{}/v1/certificate-verifications", app.base))
        .json(&json!({ "token": cert["token"] }))
        .send()
        .await
        .unwrap();
    c.answer("post", "/v1/certificate-verifications", r).await;
    let r = app
        .http
        .post(format!("{}/v1/certificate-verifications", app.base))
        .json(&json!({ "token": "garbled" }))
        .send()
        .await
        .unwrap();
    c.answer("post", "/v1/certificate-verifications", r).await;
    let r = app.get_anonymous("/v1/certificate-keys").await;
    c.answer("get", "/v1/certificate-keys", r).await;

    // A second application, still open, with an information request.
    let open = app.apply("taro", &my_number("82345678902")).await;
    let open_path = format!("/v1/registrations/{open}");
    let taro = app.token(Role::Applicant, "taro");
    c.get(one, &open_path, &taro).await;
    c.get(one, &open_path, &examiner).await;
    c.get("/v1/queue", "/v1/queue", &examiner).await;

    // A change request against the registration.
    let filed = c
        .post(
            "/v1/registrations/{id}/change-requests",
            &format!("{path}/change-requests"),
            &applicant,
            &json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "東京都港区芝公園4-2-8"}}),
        )
        .await;
    let cr = format!("/v1/change-requests/{}", filed["id"].as_str().unwrap());
    for token in [&applicant, &examiner, &ministry] {
        c.get("/v1/change-requests/{id}", &cr, token).await;
        c.get("/v1/change-requests", "/v1/change-requests", token)
            .await;
    }
    app.settle().await;
    c.get("/v1/notifications", "/v1/notifications", &applicant)
        .await;
    c.get("/v1/me/access-log", "/v1/me/access-log", &applicant)
        .await;

    // A ministry's system: its own token, the feed, a webhook subscription.
    let (id, secret) = create_client(&app, "MHLW", &[]);
    let r = crate::common::ministry::token_response(
        &app,
        &id,
        &secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    c.answer("post", "/oauth/token", r).await;
    let client = client_token(&app, &id, &secret).await;
    c.get(one, &path, &client).await;
    let feed = c.get("/v1/events", "/v1/events", &ministry).await;
    assert!(
        feed["items"].as_array().is_some_and(|i| i.len() >= 3),
        "{feed}"
    );
    let sub = c
        .post(
            "/v1/webhook-subscriptions",
            "/v1/webhook-subscriptions",
            &ministry,
            &json!({"url": "http://127.0.0.1:9/hook", "event_types": ["REGISTERED"]}),
        )
        .await;
    let sub_path = format!("/v1/webhook-subscriptions/{}", sub["id"].as_str().unwrap());
    c.post(
        "/v1/webhook-subscriptions/{id}/test",
        &format!("{sub_path}/test"),
        &ministry,
        &json!({}),
    )
    .await;
    c.get(
        "/v1/webhook-subscriptions",
        "/v1/webhook-subscriptions",
        &ministry,
    )
    .await;
    c.get(
        "/v1/webhook-subscriptions/{id}/deliveries",
        &format!("{sub_path}/deliveries"),
        &ministry,
    )
    .await;

    // Problems: not found, invalid fields, wrong role.
    let missing = format!("/v1/registrations/{}", uuid::Uuid::new_v4());
    c.get(one, &missing, &examiner).await;
    let mut bad = application(&my_number("82345678903"));
    bad["date_of_birth"] = json!("yesterday");
    c.post("/v1/registrations", "/v1/registrations", &applicant, &bad)
        .await;
    c.get("/v1/queue", "/v1/queue", &applicant).await;

    // The operators' document: health and the admin API.
    c.spec = serde_json::to_value(api::operations_openapi()).unwrap();
    let r = app.get_anonymous("/readyz").await;
    c.answer("get", "/readyz", r).await;
    c.get("/v1/admin/jobs", "/v1/admin/jobs", &admin).await;
    c.get("/v1/admin/audit", "/v1/admin/audit", &admin).await;

    let seen = c.seen;
    assert!(seen.problems.is_empty(), "{:#?}", seen.problems);
    for schema in [
        "RegistrationResource",
        "ChangeRequestResource",
        "QueuePage",
        "FeedPage",
        "Problem",
        "CertificateResource",
        "VerificationResult",
        "SubscriptionView",
        "TokenResponse",
    ] {
        assert!(seen.schemas.contains(schema), "{schema} was checked");
    }
}
