//! Initial setting: the paper-era register is imported all or nothing, and a
//! holder links their registration to their My Number without being able to
//! enumerate the register.

use crate::common;

use crate::common::{my_number, spawn_app};
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
        "line 3: registration_number must match the registration_number_format of CARE_WORKER: ^[0-9]{1,10}$"
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

fn link_attempt(number: &str, family: &str) -> Value {
    json!({"qualification_code": "CARE_WORKER", "registration_number": number,
           "family_name": family, "given_name": "一郎", "date_of_birth": "1970-01-02",
           "my_number": my_number("13579135791")})
}

async fn statuses(app: &common::TestApp, attempts: Vec<(String, Value)>) -> (usize, usize) {
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

#[tokio::test]
async fn parallel_wrong_answers_never_get_past_the_limit_per_caller() {
    let app = spawn_app().await;
    let racer = app.token(Role::Applicant, "racer");
    // Different numbers, so only the caller's limit applies.
    let attempts = (0..20)
        .map(|n| (racer.clone(), link_attempt(&format!("07{n:05}"), "田中")))
        .collect();
    assert_eq!(statuses(&app, attempts).await, (5, 15));
}

#[tokio::test]
async fn a_registration_takes_ten_wrong_answers_across_all_callers() {
    let app = spawn_app().await;
    let text = register_file(&[
        "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
    ]);
    shikaku::import::import_register(&app.pool, &text)
        .await
        .unwrap();
    app.settle().await;
    // Twelve callers, one wrong guess each, all at once, about one registration.
    let attempts = (0..12)
        .map(|n| {
            (
                app.token(Role::Applicant, &format!("guesser-{n}")),
                link_attempt("0100001", "田所"),
            )
        })
        .collect();
    assert_eq!(statuses(&app, attempts).await, (10, 2));
    // The same holds for a number that is not on the register.
    let attempts = (0..12)
        .map(|n| {
            (
                app.token(Role::Applicant, &format!("prober-{n}")),
                link_attempt("0999999", "田中"),
            )
        })
        .collect();
    assert_eq!(statuses(&app, attempts).await, (10, 2));
    // A caller still under their own limit may link another registration.
    let r = app
        .post(
            "/v1/registration-links",
            &app.token(Role::Applicant, "guesser-0"),
            &link_attempt("0100002", "田中"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

const NURSERY_ROW: &str =
    "NURSERY_TEACHER,東京都-012345,2005-04-01,佐藤,葉子,サトウ,ヨウコ,1980-05-06,東京都新宿区,東京都";

#[tokio::test]
async fn registration_numbers_follow_the_format_of_their_qualification() {
    let app = spawn_app().await;
    let catalogue: Value = app
        .http
        .get(format!("{}/v1/qualifications", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let format_of = |code: &str| {
        catalogue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["code"] == code)
            .unwrap()["registration_number_format"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(format_of("CARE_WORKER"), "^[0-9]{1,10}$");
    let nursery = format_of("NURSERY_TEACHER");
    assert!(
        nursery.contains("東京都") && nursery.contains("沖縄県"),
        "{nursery}"
    );

    // Import: each number in the format of its own qualification.
    let wrong = register_file(&[
        "CARE_WORKER,東京都-012345,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
    ]);
    let err = shikaku::import::import_register(&app.pool, &wrong)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: registration_number must match the registration_number_format of CARE_WORKER: ^[0-9]{1,10}$"
    );
    let bare = register_file(&[&NURSERY_ROW.replace("東京都-012345", "012345")]);
    assert!(shikaku::import::import_register(&app.pool, &bare)
        .await
        .is_err());
    shikaku::import::import_register(&app.pool, &register_file(&[NURSERY_ROW]))
        .await
        .unwrap();
    app.settle().await;

    // Look-up: a malformed number is refused naming the format.
    let examiner = app.token(Role::Examiner, "ex");
    let r = app
        .get(
            "/v1/registrations?qualification_code=NURSERY_TEACHER&registration_number=012345",
            &examiner,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["pointer"], "/registration_number");
    assert_eq!(p["errors"][0]["code"], "INVALID_FORMAT");
    assert!(p["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains(&nursery));
    let found: Value = app
        .get(
            "/v1/registrations?qualification_code=NURSERY_TEACHER&registration_number=%E6%9D%B1%E4%BA%AC%E9%83%BD-012345",
            &examiner,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");

    // Link: the same check, before anything counts against the lockout.
    let holder = app.token(Role::Applicant, "sato");
    let mut link = json!({"qualification_code": "NURSERY_TEACHER", "registration_number": "012345",
        "family_name": "佐藤", "given_name": "葉子", "date_of_birth": "1980-05-06",
        "my_number": my_number("11223344556")});
    let r = app.post("/v1/registration-links", &holder, &link).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["code"],
        "INVALID_FORMAT"
    );
    link["registration_number"] = json!("東京都-012345");
    let r = app.post("/v1/registration-links", &holder, &link).await;
    assert_eq!(r.status(), StatusCode::OK);

    // Allocation: a new nursery teacher in Tokyo gets the next Tokyo number.
    let mut body = common::application(&my_number("99887766554"));
    body["qualification_code"] = json!("NURSERY_TEACHER");
    let r = app
        .post(
            "/v1/registrations",
            &app.token(Role::Applicant, "newcomer"),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.settle().await;
    app.pay(&id).await;
    for (path, token, body) in [
        ("assignment", app.token(Role::Examiner, "ex"), json!({})),
        (
            "decision-proposals",
            app.token(Role::Examiner, "ex"),
            json!({"outcome": "APPROVE"}),
        ),
        (
            "decision-approvals",
            app.token(Role::SeniorExaminer, "sr"),
            json!({}),
        ),
    ] {
        let r = app
            .post(&format!("/v1/registrations/{id}/{path}"), &token, &body)
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        app.registration(&id).await["registration_number"],
        "東京都-012346"
    );
}

#[tokio::test]
async fn a_register_file_is_csv_with_quotes_a_bom_and_crlf() {
    let app = spawn_app().await;
    let text = format!(
        "\u{feff}{HEADER}\r\nCARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,\"横浜市中区, 山下町1\",神奈川県\r\n"
    );
    assert_eq!(
        shikaku::import::import_register(&app.pool, &text)
            .await
            .unwrap(),
        1
    );
    app.settle().await;
    let found: Value = app
        .get(
            "/v1/registrations?registration_number=0100001",
            &app.token(Role::Examiner, "ex"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = found["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.registration(id).await["applicant"]["address"],
        "横浜市中区, 山下町1"
    );
}

#[tokio::test]
async fn an_import_checks_numbers_in_its_transaction_not_in_the_view() {
    let app = spawn_app().await;
    let text = register_file(&[
        "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
    ]);
    // Hold the register view back, as a busy subscription would be.
    let mut blocker = app.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE register IN EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    shikaku::import::import_register(&app.pool, &text)
        .await
        .unwrap();
    let again = shikaku::import::import_register(&app.pool, &text).await;
    blocker.rollback().await.unwrap();
    let err = again.unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: this registration number is already on the register"
    );
    // The register subscription is not stopped by anything of this.
    app.settle().await;
    let found: Value = app
        .get(
            "/v1/registrations?registration_number=0100001",
            &app.token(Role::Examiner, "ex"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
}
