//! Sanctions over `/v1`: a suspension or revocation the office opens on a
//! registration, examined with four eyes, in force on the registration, its
//! certificates and the feed, and a suspension that lifts by itself at its
//! end date from a scheduled job that outlives a restart.

mod catalogue_rules;
mod console;
mod prerequisite;
mod refusals;
mod revocation;
mod suspension;

use std::time::Duration;

use certificate::Status;
use chrono::{Days, NaiveDate};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::certificates::{certificate, registered, verify};
use crate::common::{
    answer, application, my_number, problem, spawn_app, spawn_app_on, spawn_app_with, TestApp,
};

/// Today in Japan, and `days` later, as the API writes dates.
fn japan_day(days: u64) -> NaiveDate {
    domain::calendar::japan_today()
        .checked_add_days(Days::new(days))
        .unwrap()
}

/// A suspension body from today until `days` later.
fn suspension(days: u64) -> Value {
    json!({
        "kind": "SUSPENSION",
        "reason": "名称の不正使用",
        "legal_basis": "社会福祉士及び介護福祉士法第42条第2項",
        "starts_on": japan_day(0),
        "ends_on": japan_day(days),
    })
}

/// Opens a sanction on `reg` as examiner `ex-s`; the answer.
async fn open(app: &TestApp, reg: &str, body: &Value) -> reqwest::Response {
    app.post(
        &format!("/v1/registrations/{reg}/sanctions"),
        &app.token(Role::Examiner, "ex-s"),
        body,
    )
    .await
}

/// Opens a sanction and takes it through claim, proposal and a senior
/// examiner's approval; returns the case id.
async fn approved(app: &TestApp, reg: &str, body: &Value) -> String {
    let opened = answer(open(app, reg, body).await, StatusCode::CREATED).await;
    let id = opened["id"].as_str().unwrap().to_owned();
    app.claim_and_approve(&format!("/v1/sanctions/{id}"), "ex-s", "sr-s")
        .await;
    app.settle().await;
    id
}
