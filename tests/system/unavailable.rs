//! Input Postgres cannot store is refused as bad input, and a database that
//! is briefly unreachable answers 503 with Retry-After, never a 500 or the
//! database's own words; recovery needs nothing from anyone.

use crate::common;

use crate::common::{answer, application, my_number, spawn_app};
use domain::Role;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

#[tokio::test]
async fn nul_bytes_in_queries_paths_and_json_are_bad_input() {
    let app = spawn_app().await;
    let examiner = app.token(Role::Examiner, "e-1");
    let r = app
        .get(
            "/v1/registrations?registration_number=%C2%A5r0+%00",
            &examiner,
        )
        .await;
    let p = answer(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["code"], "INVALID_CHARACTER");
    let r = app.get("/v1/registrations/%00", &examiner).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app.get("/v1/queue?status=%FF", &examiner).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let mut body = application(&my_number("50000000001"));
    body["family_name"] = Value::String("山\u{0}田".into());
    let r = app
        .post_as(Role::Applicant, "a", "/v1/registrations", &body)
        .await;
    let p = answer(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["pointer"], "/family_name");
    assert_eq!(p["errors"][0]["code"], "INVALID_CHARACTER");
}

/// Stops (or allows again) new connections to the app's database and ends
/// the open ones: the database is cut off as by a restart.
async fn cut(database_url: &str, allow: bool) {
    let name = database_url.rsplit('/').next().unwrap();
    let mut admin = sqlx::PgConnection::connect(&common::server_url())
        .await
        .unwrap();
    sqlx::query(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {allow}"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    if !allow {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(name)
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_cut_database_answers_503_with_retry_after_then_recovers() {
    let app = spawn_app().await;
    let id = app.apply("b", &my_number("50000000002")).await;
    let owner = app.token(Role::Applicant, "b");
    cut(&app.database_url, false).await;

    let r = app.get(&format!("/v1/registrations/{id}"), &owner).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "SERVICE_UNAVAILABLE");
    let text = p.to_string();
    assert!(!text.contains("sqlx") && !text.contains("connection") && !text.contains("55000"));
    let r = app
        .post_as(
            Role::Applicant,
            "c",
            "/v1/registrations",
            &application(&my_number("50000000003")),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));

    cut(&app.database_url, true).await;
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..100 {
        status = app
            .get(&format!("/v1/registrations/{id}"), &owner)
            .await
            .status();
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusCode::OK, "recovered by itself");
    app.settle().await;
}
