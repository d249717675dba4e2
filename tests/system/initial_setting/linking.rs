//! A holder links an imported registration; guessing is limited and locked.

use super::*;
use crate::common::answer;

#[tokio::test]
async fn a_holder_links_an_imported_registration_and_guessing_is_locked() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-test-{}", uuid::Uuid::new_v4()));
    let dir = data_dir.clone();
    let app = spawn_app_with(|s| {
        s.registry_fixtures = registry_fixture();
        s.data_dir = dir;
    })
    .await;
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
    let again = import_refused(&app, &text).await;
    assert!(again.contains("already on the register"));

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
    let wrong = answer(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    let absent = app
        .post(
            "/v1/registration-links",
            &holder,
            &attempt("0999999", "田中"),
        )
        .await;
    let absent = answer(absent, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        wrong, absent,
        "the same answer whether the registration exists or not"
    );
    assert_eq!(wrong["code"], "LINK_NOT_MATCHED");

    // The register confirms the number is Tanaka's; the code comes by post.
    let pending = app
        .post(
            "/v1/registration-links",
            &holder,
            &attempt("0100001", "田中"),
        )
        .await;
    let pending = answer(pending, StatusCode::ACCEPTED).await;
    let (_, code) = letter(&data_dir, pending["id"].as_str().unwrap());
    let linked = confirm(&app, "tanaka", pending["id"].as_str().unwrap(), &code).await;
    let linked = answer(linked, StatusCode::OK).await;
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
        .post_as(
            Role::Applicant,
            "guesser-0",
            "/v1/registration-links",
            &link_attempt("0100002", "田中"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
