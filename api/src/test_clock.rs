//! The development test clock (Stripe's test clocks are the model): an
//! administrator moves the application's time forward so that a test sees a
//! suspension lift, a reminder go out or a registration expire without
//! waiting. Every scheduled effect is due by the same shifted time. The
//! routes answer 404 in production, as if they did not exist.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::AppState;

/// The most the clock moves in one request: a century.
const MAX_DAYS: u32 = 36_500;

/// How far to move the clock.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockAdvance {
    /// Whole days forward, 1 to 36,500; the clock never goes back.
    #[schema(example = 31, minimum = 1, maximum = 36500)]
    pub advance_days: u32,
}

/// The application's time.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestClock {
    /// The application's current instant (the real time plus the offset).
    pub now: DateTime<Utc>,
    /// The application's current date in Japan.
    pub today: NaiveDate,
    /// Whole seconds the clock runs ahead of the real time.
    pub offset_seconds: i64,
}

fn enabled(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    // Production answers as if the route did not exist, to anyone.
    if !state.test_clock {
        return Err(ApiError::NotFound);
    }
    caller.require(&[Role::Admin])
}

fn reading(state: &AppState) -> TestClock {
    TestClock {
        now: state.clock.now(),
        today: state.clock.today(),
        offset_seconds: state.clock.offset().num_seconds(),
    }
}

/// The application's time (admin, development only).
#[utoipa::path(
    operation_id = "get_test_clock",
    tag = "operations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The application's time and how far it runs ahead", body = TestClock),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No test clock: production, or turned off (SHIKAKU_TEST_CLOCK=false)", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/admin/test-clock")]
pub async fn get_clock(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    enabled(&state, &caller)?;
    Ok(HttpResponse::Ok().json(reading(&state)))
}

/// Moves the application's time forward for every process (admin,
/// development only); scheduled effects that fall due run at once.
#[utoipa::path(
    operation_id = "advance_test_clock",
    tag = "operations",
    request_body = ClockAdvance,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The clock, moved", body = TestClock),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No test clock: production, or turned off (SHIKAKU_TEST_CLOCK=false)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "advance_days missing, not a whole number, or outside 1 to 36,500 (VALIDATION_FAILED)", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/test-clock")]
pub async fn advance_clock(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ClockAdvance>,
) -> Result<HttpResponse, ApiError> {
    enabled(&state, &caller)?;
    let days = body.value.advance_days;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/advance_days",
            "OUT_OF_RANGE",
            "advance_days must be 1 to 36,500",
        )]));
    }
    let offset = adapters::clock::advance(&state.pool, days).await?;
    // This process moves at once; the others follow the notification.
    state.clock.set_offset(offset);
    tracing::info!(days, offset_seconds = offset.num_seconds(), actor = %caller.0.id, "test clock advanced");
    Ok(HttpResponse::Ok().json(reading(&state)))
}
