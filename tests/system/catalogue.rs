//! The catalogue is data: the repository's catalogue file, published as an
//! event at start; fee schedules by effective date; new versions published
//! by administrators; the catalogue tables derived from the event.

use domain::calendar::japan_today;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{answer, application, my_number, problem, spawn_app, spawn_app_on, TestApp};

fn file() -> Value {
    serde_json::from_str(adapters::catalogue::FILE).unwrap()
}

fn qualification<'a>(list: &'a Value, code: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["code"] == code)
        .unwrap_or_else(|| panic!("{code} listed"))
}

fn procedure<'a>(q: &'a Value, name: &str) -> &'a Value {
    q["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["procedure"] == name)
        .unwrap_or_else(|| panic!("{name} offered"))
}

/// The fee assessed on a registration case.
async fn fee_of(app: &TestApp, id: &str) -> i64 {
    let case: Value = app.registration(id).await;
    case["fee"]["amount"].as_i64().unwrap()
}

#[tokio::test]
async fn the_catalogue_lists_the_file_with_fee_schedules_validity_and_prerequisites() {
    let app = spawn_app().await;
    let list: Value = app.public_json("/v1/qualifications").await;
    assert_eq!(list["version"], file()["version"]);
    assert!(list["items"].as_array().unwrap().len() >= 30);

    let care = qualification(&list, "CARE_WORKER");
    assert_eq!(care["ministry"], "Ministry of Health, Labour and Welfare");
    assert_eq!(care["endorsements"][0]["code"], "SUCTION_AND_TUBE_FEEDING");
    assert_eq!(care["sanctions"][0]["kind"], "SUSPENSION");
    let new = procedure(care, "NEW_REGISTRATION");
    assert_eq!(new["fee"]["total"]["amount"], 12_320);
    assert_eq!(new["fee_schedule"][0]["effective_from"], "2024-08-06");
    assert_eq!(new["online_from"], "2024-08-06");

    let insurance = qualification(&list, "HEALTH_INSURANCE_DOCTOR");
    assert_eq!(insurance["revocation_bar_years"], 5);
    assert_eq!(insurance["prerequisite"], "DOCTOR");
    assert_eq!(qualification(&list, "CARE_MANAGER")["validity_years"], 5);
    // A licence tax alone is no fee: the total stays unknown (null).
    let doctor = procedure(qualification(&list, "DOCTOR"), "NEW_REGISTRATION");
    assert_eq!(doctor["fee"], Value::Null);
    assert_eq!(doctor["fee_schedule"][0]["licence_tax"]["amount"], 60_000);
    assert_eq!(doctor["fee_schedule"][0]["total"], Value::Null);
    assert_eq!(doctor["online_from"], Value::Null);
}

#[tokio::test]
async fn a_procedure_with_an_unknown_fee_or_not_yet_online_is_refused() {
    let app = spawn_app().await;
    let applicant = app.token(Role::Applicant, "catalogue-applicant");
    let mut body = application(&my_number("51234567801"));
    body["qualification_code"] = json!("HEALTH_INSURANCE_DOCTOR");
    let r = app.post("/v1/registrations", &applicant, &body).await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "FEE_UNKNOWN"
    );
    body["qualification_code"] = json!("DOCTOR");
    let r = app.post("/v1/registrations", &applicant, &body).await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "PROCEDURE_NOT_YET_ONLINE"
    );
}

/// The file's document one version on, the care worker's registration fee
/// raised from today (Japanese date).
fn raised_from_today() -> Value {
    let mut doc = file();
    doc["version"] = json!(doc["version"].as_u64().unwrap() + 1);
    let care = doc["qualifications"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|q| q["code"] == "CARE_WORKER")
        .unwrap();
    care["procedures"][0]["fees"]
        .as_array_mut()
        .unwrap()
        .push(json!({"effective_from": japan_today().to_string(),
                     "licence_tax": 9000, "handling_fee": 4000, "source": null}));
    doc
}

#[tokio::test]
async fn an_administrator_publishes_a_new_version_and_new_applications_pay_its_fee() {
    let app = spawn_app().await;
    // Another process on the same database, running before the publication.
    let other = spawn_app_on(&app.database_url, |_| {}).await;
    let before = app.apply("before-raise", &my_number("51234567802")).await;
    assert_eq!(fee_of(&app, &before).await, 12_320);

    let path = "/v1/admin/catalogue-versions";
    let raised = raised_from_today();
    let r = app.post_as(Role::Examiner, "ex", path, &raised).await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "WRONG_ROLE"
    );
    let mut invalid = raised.clone();
    invalid["qualifications"][0]["ministries"] = json!(["NOPE"]);
    let r = app.post_as(Role::Admin, "admin", path, &invalid).await;
    let refused = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        refused["errors"][0]["pointer"],
        "/qualifications/0/ministries/0"
    );
    let r = app.post_as(Role::Admin, "admin", path, &raised).await;
    let published = answer(r, StatusCode::CREATED).await;
    assert_eq!(published["version"], raised["version"]);
    let r = app.post_as(Role::Admin, "admin", path, &raised).await;
    let again = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(again["code"], "CATALOGUE_VERSION_NOT_NEWER");

    // The version is an event of the catalogue stream, whole.
    let (count, version, hash): (i64, i64, String) = sqlx::query_as(
        "SELECT count(*) OVER (), (payload->'CataloguePublished'->>'version')::bigint,
                payload->'CataloguePublished'->>'content_hash'
         FROM events WHERE aggregate_type = 'catalogue' ORDER BY sequence DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(count, 2, "the file's version at start, then the new one");
    assert_eq!(Some(version), raised["version"].as_i64());
    assert_eq!(published["content_hash"], hash);

    // Both running processes put the new version in force without a restart
    // (the other one follows the announcement): today's application pays the
    // raised fee, the earlier one keeps what it was assessed.
    in_force(&other, &raised).await;
    let list: Value = app.public_json("/v1/qualifications").await;
    assert_eq!(
        list["version"], raised["version"],
        "at once where published"
    );
    let after = other.apply("after-raise", &my_number("51234567803")).await;
    assert_eq!(fee_of(&other, &after).await, 13_000);
    assert_eq!(fee_of(&other, &before).await, 12_320);
}

/// Waits (up to 10 s) until `app` lists `document`'s version.
async fn in_force(app: &TestApp, document: &Value) {
    for _ in 0..100 {
        let list: Value = app.public_json("/v1/qualifications").await;
        if list["version"] == document["version"] {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("version {} never in force", document["version"]);
}

#[tokio::test]
async fn a_fee_raised_from_a_later_date_is_paid_from_that_date() {
    let app = spawn_app().await;
    let mut raised = file();
    raised["version"] = json!(raised["version"].as_u64().unwrap() + 1);
    let from = japan_today() + chrono::Days::new(30);
    let care = raised["qualifications"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|q| q["code"] == "CARE_WORKER")
        .unwrap();
    care["procedures"][0]["fees"]
        .as_array_mut()
        .unwrap()
        .push(json!({"effective_from": from.to_string(),
                     "licence_tax": 9000, "handling_fee": 4000, "source": null}));
    let r = app
        .post_as(
            Role::Admin,
            "admin",
            "/v1/admin/catalogue-versions",
            &raised,
        )
        .await;
    answer(r, StatusCode::CREATED).await;

    // Published, but not yet in force: the old fee until the day comes.
    let early = app.apply("early", &my_number("51234567804")).await;
    assert_eq!(fee_of(&app, &early).await, 12_320);
    let list: Value = app.public_json("/v1/qualifications").await;
    let new = procedure(qualification(&list, "CARE_WORKER"), "NEW_REGISTRATION");
    assert_eq!(new["fee"]["total"]["amount"], 12_320);

    let r = app
        .post_as(
            Role::Admin,
            "admin",
            "/v1/admin/test-clock",
            &json!({"advance_days": 30}),
        )
        .await;
    answer(r, StatusCode::OK).await;
    let late = app.apply("late", &my_number("51234567805")).await;
    assert_eq!(fee_of(&app, &late).await, 13_000);
    assert_eq!(fee_of(&app, &early).await, 12_320, "assessed once, kept");
    let list: Value = app.public_json("/v1/qualifications").await;
    let new = procedure(qualification(&list, "CARE_WORKER"), "NEW_REGISTRATION");
    assert_eq!(new["fee"]["total"]["amount"], 13_000);
}

#[tokio::test]
async fn the_catalogue_tables_are_rebuilt_from_the_published_event() {
    let app = spawn_app().await;
    sqlx::query("UPDATE qualifications SET name_en = 'tampered' WHERE code = 'CARE_WORKER'")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM qualification_ministries")
        .execute(&app.pool)
        .await
        .unwrap();
    let catalogue = adapters::catalogue::rebuild(&app.pool).await.unwrap();
    let (name, supervised): (String, i64) = sqlx::query_as(
        "SELECT (SELECT name_en FROM qualifications WHERE code = 'CARE_WORKER'),
                (SELECT count(*) FROM qualification_ministries)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(name, "Certified Care Worker");
    let expected: usize = catalogue
        .qualifications
        .iter()
        .map(|q| q.ministry_codes.len())
        .sum();
    assert_eq!(supervised as usize, expected);
    let listed: i64 = sqlx::query_scalar("SELECT count(*) FROM qualifications")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(listed as usize, catalogue.qualifications.len());
}
