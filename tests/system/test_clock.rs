//! The development test clock: administrators only, 404 where it is not
//! served (production, or turned off), and bad input refused.

use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{problem, spawn_app, spawn_app_with, NOT_ADMIN};

#[tokio::test]
async fn only_an_administrator_reads_or_moves_the_clock() {
    let app = spawn_app().await;
    for role in NOT_ADMIN {
        let token = app.token(role, "someone");
        let moved = app
            .post("/v1/admin/test-clock", &token, &json!({"advance_days": 1}))
            .await;
        assert_eq!(
            problem(moved, StatusCode::FORBIDDEN).await["code"],
            "WRONG_ROLE",
            "{role:?}"
        );
        let read = app.get("/v1/admin/test-clock", &token).await;
        assert_eq!(read.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    let admin = app.token(Role::Admin, "ops");
    let clock: Value = app.get_json("/v1/admin/test-clock", &admin).await;
    assert_eq!(clock["offset_seconds"], 0, "nobody moved it");
    let offset: i64 = sqlx::query_scalar("SELECT offset_seconds FROM app_clock")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(offset, 0);
}

#[tokio::test]
async fn a_move_is_whole_days_forward_and_shifts_the_database_clock_too() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin, "ops");
    for bad in [
        json!({"advance_days": 0}),
        json!({"advance_days": -3}),
        json!({"advance_days": 1.5}),
        json!({"advance_days": 36_501}),
        json!({}),
        json!({"advance_days": 1, "minutes": 3}),
    ] {
        let r = app.post("/v1/admin/test-clock", &admin, &bad).await;
        assert_eq!(
            problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
            "VALIDATION_FAILED",
            "{bad}"
        );
    }
    let moved = app
        .post_ok("/v1/admin/test-clock", &admin, &json!({"advance_days": 3}))
        .await;
    assert_eq!(moved["offset_seconds"], 3 * 86_400);
    let ahead: f64 = sqlx::query_scalar("SELECT extract(epoch FROM app_now() - now())::float8")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ahead, 3.0 * 86_400.0);
}

#[tokio::test]
async fn where_the_test_clock_is_not_served_it_does_not_exist() {
    // Production never serves it (a unit test of the settings shows that);
    // a development server with it turned off answers the same way.
    let app = spawn_app_with(|s| s.test_clock = false).await;
    let admin = app.token(Role::Admin, "ops");
    let moved = app
        .post("/v1/admin/test-clock", &admin, &json!({"advance_days": 1}))
        .await;
    assert_eq!(
        problem(moved, StatusCode::NOT_FOUND).await["code"],
        "NOT_FOUND"
    );
    let read = app.get("/v1/admin/test-clock", &admin).await;
    assert_eq!(read.status(), StatusCode::NOT_FOUND);
    let offset: i64 = sqlx::query_scalar("SELECT offset_seconds FROM app_clock")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(offset, 0, "the clock did not move");
}
