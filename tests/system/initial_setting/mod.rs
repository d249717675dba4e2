//! Initial setting: the paper-era register is imported all or nothing, and a
//! holder links their registration to their My Number without being able to
//! enumerate the register.

mod import;
mod linking;

use crate::common;

use crate::common::{my_number, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

const HEADER: &str = "qualification_code,registration_number,registered_on,family_name,given_name,family_name_kana,given_name_kana,date_of_birth,address,registered_domicile";

fn register_file(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}

fn link_attempt(number: &str, family: &str) -> Value {
    json!({"qualification_code": "CARE_WORKER", "registration_number": number,
           "family_name": family, "given_name": "一郎", "date_of_birth": "1970-01-02",
           "my_number": my_number("13579135791")})
}

async fn statuses(app: &TestApp, attempts: Vec<(String, Value)>) -> (usize, usize) {
    let calls = attempts
        .iter()
        .map(|(token, body)| app.post("/v1/registration-links", token, body));
    let answers = futures_util::future::join_all(calls).await;
    let count = |s: StatusCode| answers.iter().filter(|r| r.status() == s).count();
    let (wrong, locked) = (
        count(StatusCode::UNPROCESSABLE_ENTITY),
        count(StatusCode::TOO_MANY_REQUESTS),
    );
    assert_eq!(wrong + locked, answers.len(), "only 422 and 429");
    (wrong, locked)
}

/// Why an import of `text` is refused.
async fn import_refused(app: &TestApp, text: &str) -> String {
    shikaku::import::import_register(&app.pool, text)
        .await
        .unwrap_err()
        .to_string()
}

/// What examiners find on the register under `number`.
async fn found_on_register(app: &TestApp, number: &str) -> Vec<Value> {
    let found: Value = app
        .get_json(
            &format!("/v1/registrations?registration_number={number}"),
            &app.token(Role::Examiner, "ex"),
        )
        .await;
    found["items"].as_array().unwrap().clone()
}
