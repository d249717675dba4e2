//! The public register look-up: an exact match answers registered,
//! suspended until a date, or not found, and nothing else; only where the
//! catalogue allows it; rate-limited per address; never a listing.

use chrono::{Days, NaiveDate};
use domain::calendar::japan_today;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::certificates::registered;
use crate::common::{answer, problem, spawn_app, TestApp};

const PATH: &str = "/v1/register-lookups";

async fn look_up(app: &TestApp, body: &Value) -> reqwest::Response {
    app.http
        .post(format!("{}{PATH}", app.base))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The particulars on the certificate of `reg` (as `common::application` wrote them).
async fn particulars(app: &TestApp, reg: &str) -> Value {
    let registration = app.registration(reg).await;
    json!({
        "qualification_code": "CARE_WORKER",
        "registration_number": registration["registration_number"],
        "family_name": "山田",
        "given_name": "花子",
        "date_of_birth": "1990-04-01",
    })
}

fn in_days(days: u64) -> NaiveDate {
    japan_today().checked_add_days(Days::new(days)).unwrap()
}

#[tokio::test]
async fn an_exact_match_answers_the_standing_and_nothing_else() {
    let app = spawn_app().await;
    let reg = registered(&app, "lookup-holder", "71234567801").await;
    // The look-up reads the register view, which follows the approval.
    app.settle().await;
    let mut query = particulars(&app, &reg).await;

    let found = answer(look_up(&app, &query).await, StatusCode::OK).await;
    assert_eq!(
        found,
        json!({"standing": "REGISTERED", "suspended_until": null})
    );
    // Surrounding blanks do not matter; any other difference does.
    query["family_name"] = json!(" 山田 ");
    let blanks = answer(look_up(&app, &query).await, StatusCode::OK).await;
    assert_eq!(blanks["standing"], "REGISTERED");
    for (field, other) in [
        ("date_of_birth", json!("1990-04-02")),
        ("given_name", json!("花")),
        ("registration_number", json!("99999")),
    ] {
        let mut near = query.clone();
        near[field] = other;
        let missed = answer(look_up(&app, &near).await, StatusCode::OK).await;
        assert_eq!(
            missed,
            json!({"standing": "NOT_FOUND", "suspended_until": null}),
            "{field}"
        );
    }

    // Suspended: the day it lifts, and nothing more.
    let opened = app
        .post(
            &format!("/v1/registrations/{reg}/sanctions"),
            &app.token(Role::Examiner, "ex-l"),
            &json!({"kind": "SUSPENSION", "reason": "名称の不正使用",
                    "legal_basis": "社会福祉士及び介護福祉士法第42条第2項",
                    "starts_on": in_days(0), "ends_on": in_days(30)}),
        )
        .await;
    let sanction = answer(opened, StatusCode::CREATED).await;
    let id = sanction["id"].as_str().unwrap();
    app.claim_and_approve(&format!("/v1/sanctions/{id}"), "ex-l", "sr-l")
        .await;
    app.settle().await;
    let suspended = answer(look_up(&app, &query).await, StatusCode::OK).await;
    assert_eq!(
        suspended,
        json!({"standing": "SUSPENDED", "suspended_until": in_days(30)})
    );

    // Never a listing.
    let listing = app.get_anonymous(PATH).await;
    assert!(matches!(
        listing.status(),
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ));
}

#[tokio::test]
async fn only_qualifications_open_to_look_up_are_answered() {
    let app = spawn_app().await;
    let mut query = json!({
        "qualification_code": "CARE_MANAGER",
        "registration_number": "1234567",
        "family_name": "山田",
        "given_name": "花子",
        "date_of_birth": "1990-04-01",
    });
    let refused = problem(
        look_up(&app, &query).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["errors"][0]["pointer"], "/qualification_code");
    assert_eq!(refused["errors"][0]["code"], "LOOKUP_NOT_OFFERED");
    query["qualification_code"] = json!("NO_SUCH");
    let unknown = problem(
        look_up(&app, &query).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(unknown["errors"][0]["code"], "UNKNOWN_VALUE");
}

#[tokio::test]
async fn an_address_asking_too_often_is_told_to_wait() {
    let app = spawn_app().await;
    let query = json!({
        "qualification_code": "CARE_WORKER",
        "registration_number": "1234567",
        "family_name": "山田",
        "given_name": "花子",
        "date_of_birth": "1990-04-01",
    });
    for _ in 0..10 {
        let r = look_up(&app, &query).await;
        assert_eq!(answer(r, StatusCode::OK).await["standing"], "NOT_FOUND");
    }
    let r = look_up(&app, &query).await;
    assert!(r.headers().contains_key("retry-after"));
    let limited = problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(limited["code"], "TOO_MANY_ATTEMPTS");
}
