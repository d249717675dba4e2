//! Initial setting: the paper-era register is imported all or nothing, and a
//! holder links their registration to their My Number without being able to
//! enumerate the register.

mod dispute;
mod import;
mod linking;
mod takeover;

use crate::common;

use std::path::{Path, PathBuf};

use crate::common::{answer, my_number, spawn_app, spawn_app_with, TestApp};
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

/// The registers' fixture: the My Number of 田中一郎 (born 1970-01-02, the
/// holder of CARE_WORKER 0100001 below) and of another person.
pub(crate) fn registry_fixture() -> String {
    let path = std::env::temp_dir().join(format!("registry-{}.csv", uuid::Uuid::new_v4()));
    let text = format!(
        "{},date_of_birth\n{},田中,一郎,横浜市,神奈川県,RESOLVED,1970-01-02\n\
         {},佐藤,花子,東京都,東京都,RESOLVED,1988-02-03\n",
        adapters::registry::HEADER,
        holder_number(),
        other_number(),
    );
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// 田中一郎's My Number, as the registers know it.
pub(crate) fn holder_number() -> String {
    my_number("13579135791")
}

/// Another person's My Number, known to the registers.
pub(crate) fn other_number() -> String {
    my_number("24680246802")
}

/// The paper-era register with 田中一郎's care-worker registration.
pub(crate) const TANAKA: &str =
    "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県";

/// An app whose registers know 田中一郎, his registration imported; and the
/// data directory its letters go to.
async fn app_with_tanaka() -> (TestApp, PathBuf) {
    let data_dir = std::env::temp_dir().join(format!("shikaku-test-{}", uuid::Uuid::new_v4()));
    let dir = data_dir.clone();
    let app = spawn_app_with(|s| {
        s.registry_fixtures = registry_fixture();
        s.data_dir = dir;
    })
    .await;
    shikaku::import::import_register(&app.pool, &register_file(&[TANAKA]))
        .await
        .unwrap();
    app.settle().await;
    (app, data_dir)
}

/// The certificate's facts about 田中一郎's registration, and a My Number.
fn certificate_facts(number: &str) -> Value {
    json!({"qualification_code": "CARE_WORKER", "registration_number": "0100001",
           "family_name": "田中", "given_name": "一郎", "date_of_birth": "1970-01-02",
           "my_number": number})
}

/// Asks for a link as `sub` and expects it held: the pending link's id.
async fn held(app: &TestApp, sub: &str, number: &str) -> String {
    let r = app
        .post_as(
            Role::Applicant,
            sub,
            "/v1/registration-links",
            &certificate_facts(number),
        )
        .await;
    let pending = answer(r, StatusCode::ACCEPTED).await;
    assert_eq!(pending["status"], "PENDING_CONFIRMATION");
    pending["id"].as_str().unwrap().to_owned()
}

/// The letter the office posted for pending link `id`, and its code.
fn letter(data_dir: &Path, id: &str) -> (String, String) {
    let text = std::fs::read_to_string(data_dir.join("letters").join(format!("{id}.txt")))
        .expect("a letter was posted");
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("確認コード / Code: "))
        .expect("the letter carries a code")
        .to_owned();
    (text, code)
}

/// Enters `code` for pending link `id` as `sub`.
async fn confirm(app: &TestApp, sub: &str, id: &str, code: &str) -> reqwest::Response {
    app.post_as(
        Role::Applicant,
        sub,
        &format!("/v1/registration-links/{id}/confirmation"),
        &json!({ "code": code }),
    )
    .await
}

/// Links 田中一郎's registration to `sub` through the letter: its id.
async fn linked_by_letter(app: &TestApp, data_dir: &Path, sub: &str) -> String {
    let id = held(app, sub, &holder_number()).await;
    let (_, code) = letter(data_dir, &id);
    let linked = answer(confirm(app, sub, &id, &code).await, StatusCode::OK).await;
    assert_eq!(linked["status"], "REGISTERED");
    linked["id"].as_str().unwrap().to_owned()
}

/// Who the registration's HolderLinked events name, in order.
async fn linked_owners(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT payload::jsonb -> 'HolderLinked' ->> 'owner' FROM events
         WHERE event_type = 'HolderLinked' ORDER BY global_position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}
