//! The register import: all or nothing, CSV as written, and numbers that
//! never collide.

use super::*;
use crate::common::answer;
use crate::common::created_id;

#[tokio::test]
async fn a_malformed_row_imports_nothing_and_names_its_line() {
    let app = spawn_app().await;
    let text = register_file(&[
        "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
        "CARE_WORKER,01000x2,2001-04-01,田中,二郎,タナカ,ジロウ,1971-01-02,横浜市,神奈川県",
    ]);
    assert_eq!(
        import_refused(&app, &text).await,
        "line 3: registration_number must match the registration_number_format of CARE_WORKER: ^[0-9]{1,10}$"
    );
    let dup = register_file(&[
        "CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県",
        "CARE_WORKER,0100001,2001-04-01,田中,二郎,タナカ,ジロウ,1971-01-02,横浜市,神奈川県",
    ]);
    let err = import_refused(&app, &dup).await;
    assert!(err.starts_with("line 3:"), "{err}");
    // The catalogue's own event (published at start) is not the import's.
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type <> 'catalogue'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(events, 0, "nothing half-imported");
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
    app.post_as(
        Role::Examiner,
        "ex",
        &format!("/v1/registrations/{id}/decision-proposals"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let done: Value = app
        .post_as(
            Role::SeniorExaminer,
            "sr",
            &format!("/v1/registrations/{id}/decision-approvals"),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["registration_number"], "0000042");
}

const NURSERY_ROW: &str =
    "NURSERY_TEACHER,東京都-012345,2005-04-01,佐藤,葉子,サトウ,ヨウコ,1980-05-06,東京都新宿区,東京都";

#[tokio::test]
async fn registration_numbers_follow_the_format_of_their_qualification() {
    let app = spawn_app().await;
    let catalogue: Value = app.public_json("/v1/qualifications").await;
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
    assert_eq!(
        import_refused(&app, &wrong).await,
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
    let p = answer(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["pointer"], "/registration_number");
    assert_eq!(p["errors"][0]["code"], "INVALID_FORMAT");
    assert!(p["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains(&nursery));
    let found: Value = app.get_json("/v1/registrations?qualification_code=NURSERY_TEACHER&registration_number=%E6%9D%B1%E4%BA%AC%E9%83%BD-012345",
            &examiner,).await;
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
    // In its format the number is looked up; this My Number is unknown to
    // the registers, so the link is not made (see `takeover`).
    link["registration_number"] = json!("東京都-012345");
    let r = app.post("/v1/registration-links", &holder, &link).await;
    let p = answer(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["code"], "LINK_NOT_MATCHED");

    // Allocation: a new nursery teacher in Tokyo gets the next Tokyo number.
    let mut body = common::application(&my_number("99887766554"));
    body["qualification_code"] = json!("NURSERY_TEACHER");
    let r = app
        .post_as(Role::Applicant, "newcomer", "/v1/registrations", &body)
        .await;
    let id = created_id(r).await;
    app.settle().await;
    app.pay(&id).await;
    app.claim_and_approve(&format!("/v1/registrations/{id}"), "ex", "sr")
        .await;
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
    let found = found_on_register(&app, "0100001").await;
    let id = found[0]["id"].as_str().unwrap();
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
    assert_eq!(found_on_register(&app, "0100001").await.len(), 1);
}
