//! Validity and renewal over `/v1`: a care manager's registration carries
//! `valid_until` (five years, from the catalogue), the holder is mailed
//! 180, 90 and 30 days before it (once each, across a restart), the day
//! after it the registration reads EXPIRED and its certificate SUSPENDED,
//! and an approved, paid RENEWAL with the training certificate revives it
//! with a new date. Refusals: no certificate attached, a revoked
//! registration, another person's registration, a qualification without a
//! validity period.

mod console;
mod expiry;
mod refusals;

use certificate::Status;
use chrono::{Days, Months, NaiveDate};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{answer, my_number, TestApp};

/// The care manager's validity period in the catalogue file.
const YEARS: u32 = 5;

/// The application's today in Japan (the test clock moves it).
async fn today(app: &TestApp) -> NaiveDate {
    let clock: Value = app
        .get_json("/v1/admin/test-clock", &app.token(Role::Admin, "ops"))
        .await;
    clock["today"].as_str().unwrap().parse().unwrap()
}

/// The last valid day of a registration valid for the period from `from`.
fn valid_for_period_from(from: NaiveDate) -> NaiveDate {
    from.checked_add_months(Months::new(YEARS * 12))
        .unwrap()
        .pred_opt()
        .unwrap()
}

/// Moves the test clock on until the application's today is `day`.
async fn advance_to(app: &TestApp, day: NaiveDate) {
    let days = (day - today(app).await).num_days();
    assert!(days > 0, "the clock only moves forward ({day})");
    let moved = app
        .post_ok(
            "/v1/admin/test-clock",
            &app.token(Role::Admin, "ops"),
            &json!({"advance_days": days}),
        )
        .await;
    assert_eq!(moved["today"], json!(day));
    app.settle().await;
}

/// `day` minus `days`.
fn before(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days)).unwrap()
}

/// `holder` registered as a care manager (mail to `<holder>@example.jp`);
/// the registration's id.
async fn care_manager(app: &TestApp, holder: &str, base: &str) -> String {
    let email = format!("{holder}@example.jp");
    app.registered_as(holder, base, "CARE_MANAGER", Some(&email))
        .await
}

/// Files a renewal as `holder` with `attachments`; the answer.
async fn renew(app: &TestApp, holder: &str, reg: &str, attachments: &[&str]) -> reqwest::Response {
    app.post_as(
        Role::Applicant,
        holder,
        &format!("/v1/registrations/{reg}/change-requests"),
        &json!({"kind": "RENEWAL", "reason": "更新研修修了", "attachment_ids": attachments}),
    )
    .await
}
