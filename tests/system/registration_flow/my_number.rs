//! One My Number, one person (issue 20, finding 4): the same qualification
//! is registered once per number, other particulars under a number already
//! held are flagged until an examiner clears them with a reason.

use super::*;
use crate::common::{answer, problem, TestApp};

/// `application(number)` for another qualification and, optionally, another family name.
fn applying(number: &str, qualification: &str, family_name: &str) -> Value {
    let mut body = application(number);
    body["qualification_code"] = json!(qualification);
    body["family_name"] = json!(family_name);
    body
}

/// Checks a refusal names no case and no person.
async fn refused_as_duplicate(r: reqwest::Response, number: &str) {
    let body = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(body["code"], "ALREADY_REGISTERED", "{body}");
    let text = body.to_string();
    for personal in [number, "山田", "花子", "1990-04-01", "registration"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
}

#[tokio::test]
async fn a_registered_care_worker_applying_again_with_the_same_my_number_is_refused() {
    let app = spawn_app().await;
    let number = my_number("61234567890");
    let (id, registered) = app.registered("hanako", &number, "ex-1", "sr-1").await;
    assert_eq!(registered["status"], "REGISTERED");

    // The holder again, another account, and an examiner entering it on paper.
    let again = app
        .post_as(
            Role::Applicant,
            "hanako",
            "/v1/registrations",
            &application(&number),
        )
        .await;
    refused_as_duplicate(again, &number).await;
    let other = app
        .post_as(
            Role::Applicant,
            "taro",
            "/v1/registrations",
            &application(&number),
        )
        .await;
    refused_as_duplicate(other, &number).await;
    let mut paper = application(&number);
    paper["channel"] = json!("PAPER");
    let on_paper = app
        .post_as(Role::Examiner, "ex-2", "/v1/registrations", &paper)
        .await;
    refused_as_duplicate(on_paper, &number).await;

    // Nothing was recorded for them: the one case stands alone.
    let cases: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT aggregate_id) FROM events WHERE event_type = 'ApplicationSubmitted'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(cases, 1, "only {id}");

    // Another qualification under the same particulars is the same person: no flag.
    let social = app
        .post_as(
            Role::Applicant,
            "hanako",
            "/v1/registrations",
            &applying(&number, "SOCIAL_WORKER", "山田"),
        )
        .await;
    let social = answer(social, StatusCode::CREATED).await;
    let social = app.registration(social["id"].as_str().unwrap()).await;
    assert_eq!(social["flags"], json!([]));
}

#[tokio::test]
async fn an_open_application_holds_its_qualification_until_it_ends() {
    let app = spawn_app().await;
    let number = my_number("62234567890");
    let first = app.apply("hanako", &number).await;
    let second = app
        .post_as(
            Role::Applicant,
            "hanako",
            "/v1/registrations",
            &application(&number),
        )
        .await;
    refused_as_duplicate(second, &number).await;

    app.post_ok(
        &format!("/v1/registrations/{first}/withdrawal"),
        &app.token(Role::Applicant, "hanako"),
        &json!({}),
    )
    .await;
    let third = app
        .post_as(
            Role::Applicant,
            "hanako",
            "/v1/registrations",
            &application(&number),
        )
        .await;
    assert_eq!(
        third.status(),
        StatusCode::CREATED,
        "a withdrawn case holds nothing"
    );
}

#[tokio::test]
async fn two_applications_of_one_number_at_once_make_one_case() {
    let app = spawn_app().await;
    let number = my_number("63234567890");
    let body = application(&number);
    let sends = (0..4).map(|i| {
        let app: &TestApp = &app;
        let body = body.clone();
        async move {
            app.post_as(
                Role::Applicant,
                &format!("racer-{i}"),
                "/v1/registrations",
                &body,
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, refused), (1, 3), "{statuses:?}");
}

#[tokio::test]
async fn other_particulars_under_a_held_number_are_flagged_until_cleared_with_a_reason() {
    let app = spawn_app().await;
    let number = my_number("64234567890");
    app.registered("hanako", &number, "ex-1", "sr-1").await;

    let r = app
        .post_as(
            Role::Applicant,
            "taro",
            "/v1/registrations",
            &applying(&number, "SOCIAL_WORKER", "佐藤"),
        )
        .await;
    let own = answer(r, StatusCode::CREATED).await;
    let id = own["id"].as_str().unwrap().to_owned();
    // The applicant is not told that the number is someone else's.
    assert_eq!(own["flags"], json!([]), "{own}");
    assert!(!own["timeline"].to_string().contains("Flag"));

    app.pay(&id).await;
    let flag = json!(["MY_NUMBER_PARTICULARS_DIFFER"]);
    assert_eq!(app.registration(&id).await["flags"], flag);
    let examiner = app.token(Role::Examiner, "ex-3");
    let row = app
        .queued("?status=UNDER_EXAMINATION", &examiner, &id)
        .await;
    assert_eq!(row["flags"], flag, "the register's answer keeps the flag");

    let case = format!("/v1/registrations/{id}");
    app.post_ok(&format!("{case}/assignment"), &examiner, &json!({}))
        .await;
    let approve = json!({"outcome": "APPROVE", "note": "eligible"});
    let early = app
        .post(&format!("{case}/decision-proposals"), &examiner, &approve)
        .await;
    assert_eq!(
        problem(early, StatusCode::CONFLICT).await["code"],
        "FLAG_NOT_CLEARED"
    );

    let clear = |reason: &str| json!({"flag": "MY_NUMBER_PARTICULARS_DIFFER", "reason": reason});
    let clearances = format!("{case}/flag-clearances");
    let empty = app.post(&clearances, &examiner, &clear(" ")).await;
    let empty = problem(empty, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(empty["errors"][0]["pointer"], "/reason", "{empty}");
    let unknown = json!({"flag": "PAYMENT_MISMATCH", "reason": "x"});
    let unknown = app.post(&clearances, &examiner, &unknown).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stranger = app
        .post(&clearances, &app.token(Role::Examiner, "ex-4"), &clear("x"))
        .await;
    assert_eq!(
        problem(stranger, StatusCode::FORBIDDEN).await["code"],
        "NOT_ASSIGNED_EXAMINER"
    );
    let applicant = app
        .post(
            &clearances,
            &app.token(Role::Applicant, "taro"),
            &clear("x"),
        )
        .await;
    assert_eq!(applicant.status(), StatusCode::FORBIDDEN);

    let reason = "family name changed by marriage; family-register extract checked";
    let cleared = app.post_ok(&clearances, &examiner, &clear(reason)).await;
    assert_eq!(cleared["flags"], json!([]));
    let twice = app.post(&clearances, &examiner, &clear(reason)).await;
    assert_eq!(
        problem(twice, StatusCode::CONFLICT).await["code"],
        "FLAG_NOT_RAISED"
    );
    app.settle().await;
    let row = app
        .queued("?status=UNDER_EXAMINATION", &examiner, &id)
        .await;
    assert_eq!(row["flags"], json!([]));
    let kept: String = sqlx::query_scalar(
        "SELECT payload::jsonb -> 'FlagCleared' ->> 'reason' FROM events
         WHERE aggregate_id = $1 AND event_type = 'FlagCleared'",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(kept, reason);

    let done = app.approve(&case, "ex-3", "sr-1").await;
    assert_eq!(done["status"], "REGISTERED");
}
