//! Initial setting: the paper-era register is imported all or nothing, and a
//! holder links their registration to their My Number without being able to
//! enumerate the register.

mod common;

use common::{my_number, spawn_app};
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

#[tokio::test]
async fn a_malformed_row_imports_nothing_and_names_its_line() {
    let app = spawn_app().await;
    let text = register_file(&[
        "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
        "CARE_WORKER,01000x2,2001-04-01,田中,二郎,タナカ,ジロウ,1971-01-02,横浜市,神奈川県",
    ]);
    let err = shikaku::import::import_register(&app.pool, &text)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: registration_number must be 1 to 10 digits"
    );
    let dup = register_file(&[
        "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
        "CARE_WORKER,0100001,2001-04-01,田中,二郎,タナカ,ジロウ,1971-01-02,横浜市,神奈川県",
    ]);
    let err = shikaku::import::import_register(&app.pool, &dup)
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("line 3:"), "{err}");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(events, 0, "nothing half-imported");
}

#[tokio::test]
async fn a_holder_links_an_imported_registration_and_guessing_is_locked() {
    let app = spawn_app().await;
    let text = register_file(&[
        "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
        "SOCIAL_WORKER,0200007,1999-10-01,高橋,恵,タカハシ,メグミ,1965-12-24,名古屋市,愛知県",
    ]);
    assert_eq!(
        shikaku::import::import_register(&app.pool, &text)
            .await
            .unwrap(),
        2
    );
    app.settle().await;
    let again = shikaku::import::import_register(&app.pool, &text)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already on the register"));

    let holder = app.token(Role::Applicant, "tanaka");
    let attempt = |number: &str, family: &str| {
        json!({"qualification_code": "CARE_WORKER", "registration_number": number,
               "family_name": family, "given_name": "一郎", "date_of_birth": "1970-01-02",
               "my_number": my_number("13579135791")})
    };
    let wrong = app
        .post(
            "/v1/registration-links",
            &holder,
            &attempt("0100001", "田所"),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong: Value = wrong.json().await.unwrap();
    let absent = app
        .post(
            "/v1/registration-links",
            &holder,
            &attempt("0999999", "田中"),
        )
        .await;
    assert_eq!(absent.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let absent: Value = absent.json().await.unwrap();
    assert_eq!(
        wrong, absent,
        "the same answer whether the registration exists or not"
    );
    assert_eq!(wrong["code"], "LINK_NOT_MATCHED");

    let r = app
        .post(
            "/v1/registration-links",
            &holder,
            &attempt("0100001", "田中"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let linked: Value = r.json().await.unwrap();
    assert_eq!(linked["status"], "REGISTERED");
    assert_eq!(linked["registration_number"], "0100001");
    let id = linked["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/registrations/{id}"), &holder)
            .await
            .status(),
        StatusCode::OK
    );
    // Someone else cannot take it over, even with the right details.
    let other = app.token(Role::Applicant, "impostor");
    let r = app
        .post(
            "/v1/registration-links",
            &other,
            &attempt("0100001", "田中"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Five failures lock further attempts, right or wrong.
    let guesser = app.token(Role::Applicant, "guesser");
    for n in 0..5 {
        let r = app
            .post(
                "/v1/registration-links",
                &guesser,
                &attempt(&format!("09{n:05}"), "田中"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut right = attempt("0200007", "高橋");
    right["qualification_code"] = json!("SOCIAL_WORKER");
    right["given_name"] = json!("恵");
    right["date_of_birth"] = json!("1965-12-24");
    let r = app.post("/v1/registration-links", &guesser, &right).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900);

    // A linked holder files change requests like any other.
    app.settle().await;
    let r = app
        .post(
            &format!("/v1/registrations/{id}/change-requests"),
            &holder,
            &json!({"kind": "REISSUE_CERTIFICATE"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn new_numbers_never_collide_with_imported_ones() {
    let app = spawn_app().await;
    let text = register_file(&[
        "CARE_WORKER,0000041,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
    ]);
    shikaku::import::import_register(&app.pool, &text)
        .await
        .unwrap();
    let id = app.claimed("new", &my_number("24680246802"), "ex").await;
    app.post(
        &format!("/v1/registrations/{id}/decision-proposals"),
        &app.token(Role::Examiner, "ex"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let done: Value = app
        .post(
            &format!("/v1/registrations/{id}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr"),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["registration_number"], "0000042");
}
