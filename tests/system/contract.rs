//! The server keeps the contract its spec publishes: enum filters refuse
//! unknown words, field errors name the field, and the headers the spec
//! documents are sent.

use crate::common::{self, problem};

use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A paid application claimed by examiner-1: their token and its id.
async fn claimed(app: &common::TestApp) -> (String, String) {
    let id = app
        .claimed("hanako", &common::my_number("12345678901"), "examiner-1")
        .await;
    (app.token(Role::Examiner, "examiner-1"), id)
}

#[tokio::test]
async fn unknown_enum_filter_values_are_refused() {
    let app = common::spawn_app().await;
    let examiner = app.token(Role::Examiner, "examiner-1");
    for path in [
        "/v1/registrations?status=NOPE",
        "/v1/change-requests?status=NOPE",
        "/v1/queue?status=NOPE",
        "/v1/registrations?status=under_examination",
    ] {
        let body = problem(app.get(path, &examiner).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["code"], "INVALID_QUERY", "{path}: {body}");
    }
    for path in [
        "/v1/registrations?status=UNDER_EXAMINATION",
        "/v1/change-requests?status=APPROVED",
        "/v1/queue?status=ACTION_REQUIRED",
    ] {
        assert_eq!(
            app.get(path, &examiner).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_unknown_field_is_named_in_the_pointer() {
    let app = common::spawn_app().await;
    let (examiner, id) = claimed(&app).await;
    // A client in camelCase style: the pointer names its field.
    let r = app
        .post(
            &format!("/v1/registrations/{id}/assignment"),
            &examiner,
            &json!({ "examinerId": "examiner-2" }),
        )
        .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["pointer"], "/examinerId", "{body}");
    assert_eq!(body["errors"][0]["code"], "UNKNOWN_FIELD");
    // A key that could be a value (a My Number) is still never echoed.
    let number = common::my_number("98765432109");
    let mut body = json!({ "outcome": "APPROVE" });
    body[number.as_str()] = json!(1);
    let r = app
        .post(
            &format!("/v1/registrations/{id}/decision-proposals"),
            &examiner,
            &body,
        )
        .await;
    let text = r.text().await.unwrap();
    assert!(
        text.contains("UNKNOWN_FIELD") && !text.contains(&number),
        "{text}"
    );
}

#[tokio::test]
async fn refusals_and_successes_send_the_documented_headers() {
    let app = common::spawn_app().await;
    // 401 says how to authenticate.
    let r = app.get_anonymous("/v1/registrations").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = app.get("/v1/queue", "not-a-token").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    // A command's 200 carries the case's version as ETag.
    let (examiner, id) = claimed(&app).await;
    let r = app
        .post(
            &format!("/v1/registrations/{id}/information-requests"),
            &examiner,
            &json!({ "reason_code": "DOCUMENT_MISSING", "message": "please send the extract" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", body["version"]));
    // An upload's 201 says where the document is.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n% extract\n".to_vec()).file_name("a.pdf"),
    );
    let r = app
        .http
        .post(format!("{}/v1/attachments", app.base))
        .bearer_auth(app.token(Role::Applicant, "hanako"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/v1/attachments/{}", body["id"].as_str().unwrap())
    );
    // The health answers have the documented JSON bodies.
    for (path, status) in [("/livez", "ok"), ("/readyz", "ready")] {
        let r = app.get_anonymous(path).await;
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, json!({ "status": status }), "{path}");
    }
}
