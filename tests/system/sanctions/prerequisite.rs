//! Dependent registrations: when a medical licence registration is revoked,
//! the same person's health-insurance doctor registration, which stands on
//! it, gets a review case in the queue with the flag PREREQUISITE_ENDED, and
//! nothing ends by itself; the holder's other registrations and other
//! people's are left alone.

use super::*;

/// The file's catalogue one version on, with the doctor's and the
/// health-insurance doctor's registration fees known and online (the file
/// leaves them unknown, which refuses applications).
fn doctors_online() -> Value {
    let mut doc: Value = serde_json::from_str(adapters::catalogue::FILE).unwrap();
    doc["version"] = json!(doc["version"].as_u64().unwrap() + 1);
    for q in doc["qualifications"].as_array_mut().unwrap() {
        if q["code"] == "DOCTOR" || q["code"] == "HEALTH_INSURANCE_DOCTOR" {
            let new = q["procedures"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|p| p["procedure"] == "NEW_REGISTRATION")
                .unwrap();
            new["online_from"] = json!("2024-08-06");
            new["fees"] = json!([{"effective_from": "2024-08-06", "licence_tax": 60000,
                                  "handling_fee": 0, "source": null}]);
        }
    }
    doc
}

/// The sanction cases in the queue: (case id, registration id, flags).
async fn sanction_cases(app: &TestApp) -> Vec<(String, String, Vec<String>)> {
    app.settle().await;
    let examiner = app.token(Role::Examiner, "ex-q");
    let queue: Value = app
        .get_json("/v1/queue?all=true&limit=100", &examiner)
        .await;
    let mut cases = Vec::new();
    let items = queue["items"].as_array().unwrap();
    for item in items.iter().filter(|i| i["case_type"] == "SANCTION") {
        let id = item["case_id"].as_str().unwrap().to_owned();
        let case: Value = app
            .get_json(&format!("/v1/sanctions/{id}"), &examiner)
            .await;
        let flags = item["flags"].as_array().unwrap();
        cases.push((
            id,
            case["registration_id"].as_str().unwrap().to_owned(),
            flags
                .iter()
                .map(|f| f.as_str().unwrap().to_owned())
                .collect(),
        ));
    }
    cases
}

#[tokio::test]
async fn a_revoked_licence_opens_a_flagged_review_of_the_registration_that_stands_on_it() {
    let first = spawn_app().await;
    let r = first
        .post_as(
            Role::Admin,
            "admin",
            "/v1/admin/catalogue-versions",
            &doctors_online(),
        )
        .await;
    answer(r, StatusCode::CREATED).await;
    let app = spawn_app_on(&first.database_url, |_| {}).await;

    let licence = app
        .registered_as("taro", "82345678901", "DOCTOR", None)
        .await;
    let insurance = app
        .registered_as("taro", "82345678901", "HEALTH_INSURANCE_DOCTOR", None)
        .await;
    let care = app
        .registered_as("taro", "82345678901", "CARE_WORKER", None)
        .await;
    let other = app
        .registered_as("jiro", "92345678901", "HEALTH_INSURANCE_DOCTOR", None)
        .await;

    let revocation = json!({
        "kind": "REVOCATION",
        "reason": "罰金以上の刑",
        "legal_basis": "医師法第7条",
        "starts_on": japan_day(0),
    });
    let revoked_case = approved(&app, &licence, &revocation).await;
    assert_eq!(
        app.registration_of("taro", &licence).await["status"],
        "REVOKED"
    );

    // One review, of the registration standing on the licence, flagged.
    let cases = sanction_cases(&app).await;
    let reviews: Vec<_> = cases.iter().filter(|c| c.0 != revoked_case).collect();
    assert_eq!(reviews.len(), 1, "{cases:?}");
    let (review, of, flags) = reviews[0].clone();
    assert_eq!(of, insurance);
    assert_eq!(flags, vec!["PREREQUISITE_ENDED".to_owned()]);
    for untouched in [&insurance, &care] {
        assert_eq!(
            app.registration_of("taro", untouched).await["status"],
            "REGISTERED"
        );
    }
    assert_eq!(
        app.registration_of("jiro", &other).await["status"],
        "REGISTERED"
    );

    // The examiner looks into it before anything is decided.
    let path = format!("/v1/sanctions/{review}");
    app.post_ok(
        &format!("{path}/assignment"),
        &app.token(Role::Examiner, "ex-p"),
        &json!({}),
    )
    .await;
    let r = app
        .post_as(
            Role::Examiner,
            "ex-p",
            &format!("{path}/decision-proposals"),
            &json!({"outcome": "APPROVE"}),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "FLAG_NOT_CLEARED"
    );
    app.post_ok(
        &format!("{path}/flag-clearances"),
        &app.token(Role::Examiner, "ex-p"),
        &json!({"flag": "PREREQUISITE_ENDED", "reason": "医籍の登録抹消を確認した"}),
    )
    .await;
    app.approve(&path, "ex-p", "sr-p").await;
    app.settle().await;
    assert_eq!(
        app.registration_of("taro", &insurance).await["status"],
        "REVOKED"
    );
    assert_eq!(
        app.registration_of("taro", &care).await["status"],
        "REGISTERED"
    );

    // Replaying the revocation (a rebuild) opens nothing again.
    let settings = crate::common::test_settings(&app.database_url);
    let core = shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap();
    for projection in shikaku::startup::projections(&core) {
        if projection.name() == "prerequisite_watch" {
            let sub = eventstore::subscription::Subscription::new(app.pool.clone(), projection);
            sub.reset().await.unwrap();
            sub.catch_up().await.unwrap();
        }
    }
    let opened: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'SanctionOpened'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(opened, 2, "the revocation and its one review");
}
