//! A suspension: examined like any case (claim, a question to the holder,
//! four eyes), in force on approval, and lifted by its scheduled job at the
//! end date, once, by a server started after the one that scheduled it.

use super::*;

#[tokio::test]
async fn a_suspension_is_examined_takes_effect_and_lifts_itself_across_a_restart() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-sanction-{}", uuid::Uuid::new_v4()));
    let dir = data_dir.clone();
    let app = spawn_app_with(move |s| s.data_dir = dir).await;
    let reg = registered(&app, "hanako", "61345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    let token = cert["token"].as_str().unwrap().to_owned();
    let idx = cert["status_index"].as_u64().unwrap();

    // Opened by an examiner: free, under examination, in the queue.
    let opened = answer(open(&app, &reg, &suspension(30)).await, StatusCode::CREATED).await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let case = format!("/v1/sanctions/{id}");
    assert_eq!(opened["kind"], "SUSPENSION");
    assert_eq!(opened["status"], "UNDER_EXAMINATION");
    assert_eq!(opened["registration_id"], reg.as_str());
    assert_eq!(opened["ends_on"], json!(japan_day(30)));
    app.settle().await;
    let queued = app
        .queued("?all=true", &app.token(Role::Examiner, "ex-s"), &id)
        .await;
    assert_eq!(queued["case_type"], "SANCTION");
    assert_eq!(queued["procedure"], "SUSPENSION");

    // Claimed, then a question to the holder, who sees it and answers.
    let examiner = app.token(Role::Examiner, "ex-s");
    app.post_ok(&format!("{case}/assignment"), &examiner, &json!({}))
        .await;
    let asked = app
        .post_ok(
            &format!("{case}/information-requests"),
            &examiner,
            &json!({"reason_code": "DOCUMENT_MISSING", "message": "弁明書を提出してください"}),
        )
        .await;
    assert_eq!(asked["status"], "ACTION_REQUIRED");
    let holder = app.token(Role::Applicant, "hanako");
    let seen: Value = app.get_json(&case, &holder).await;
    assert_eq!(
        seen["information_request"]["reason_code"],
        "DOCUMENT_MISSING"
    );
    assert_eq!(
        seen["assigned_to"],
        Value::Null,
        "the holder sees no examiner"
    );
    let answered = app
        .post_ok(
            &format!("{case}/responses"),
            &holder,
            &json!({"message": "弁明します"}),
        )
        .await;
    assert_eq!(answered["status"], "UNDER_EXAMINATION");
    // Nobody else reads it; the holder cannot withdraw the office's case.
    let other = app.get(&case, &app.token(Role::Applicant, "mallory")).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let withdrawn = app
        .post(&format!("{case}/withdrawal"), &holder, &json!({}))
        .await;
    assert_eq!(
        problem(withdrawn, StatusCode::FORBIDDEN).await["code"],
        "WRONG_ROLE"
    );

    // Four eyes: the proposer cannot approve, a senior examiner does.
    app.post_ok(
        &format!("{case}/decision-proposals"),
        &examiner,
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let own = app
        .post(&format!("{case}/decision-approvals"), &examiner, &json!({}))
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let decided = app
        .post_ok(
            &format!("{case}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-s"),
            &json!({}),
        )
        .await;
    assert_eq!(decided["status"], "APPROVED");
    app.settle().await;

    // In force: the case applied, the registration SUSPENDED until the end
    // date, the certificate SUSPENDED in the list, the ministry told.
    let done: Value = app.get_json(&case, &examiner).await;
    assert_eq!(done["outcome"], "APPLIED");
    let suspended = app.registration_of("hanako", &reg).await;
    assert_eq!(suspended["status"], "SUSPENDED");
    assert_eq!(suspended["suspended_until"], json!(japan_day(30)));
    assert_eq!(app.published_status(idx).await, Some(Status::Suspended));
    assert_eq!(verify(&app, &token).await["result"], "SUSPENDED");
    let items = app.feed_of(&reg, "REGISTRATION_SUSPENDED").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["data"]["sanction_id"], id.as_str());
    assert_eq!(items[0]["data"]["until"], json!(japan_day(30)));
    assert_eq!(items[0]["data"]["from"], json!(japan_day(0)));

    // One lift is scheduled, at 00:00 in Japan on the end date.
    let (count, run_at): (i64, chrono::DateTime<chrono::Utc>) = sqlx::query_as(
        "SELECT count(*), max(run_at) FROM jobs WHERE kind = 'sanction.lift' AND state = 'queued'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(count, 1);
    assert_eq!(
        run_at,
        japan_day(30).and_hms_opt(0, 0, 0).unwrap().and_utc() - chrono::Duration::hours(9)
    );

    // The test clock moves ten days on: not due yet. The server stops and a
    // new one starts on the same database: it reads the same shifted time,
    // and when the clock moves past the end date the new server lifts the
    // suspension by itself, once.
    let admin = app.token(Role::Admin, "ops");
    let moved = app
        .post_ok("/v1/admin/test-clock", &admin, &json!({"advance_days": 10}))
        .await;
    assert_eq!(moved["offset_seconds"], 10 * 86_400);
    assert_eq!(moved["today"], json!(japan_day(10)));
    app.settle().await;
    assert_eq!(
        app.registration_of("hanako", &reg).await["status"],
        "SUSPENDED"
    );
    app.handle.stop(true).await;
    let dir = data_dir.clone();
    let restarted = spawn_app_on(&app.database_url, move |s| s.data_dir = dir).await;
    let admin = restarted.token(Role::Admin, "ops");
    let clock: Value = restarted.get_json("/v1/admin/test-clock", &admin).await;
    assert_eq!(
        clock["offset_seconds"],
        10 * 86_400,
        "the offset outlives a restart"
    );
    restarted.settle().await;
    assert_eq!(
        restarted.registration_of("hanako", &reg).await["status"],
        "SUSPENDED"
    );
    let moved = restarted
        .post_ok("/v1/admin/test-clock", &admin, &json!({"advance_days": 21}))
        .await;
    assert_eq!(moved["today"], json!(japan_day(31)));
    restarted.settle().await;
    let lifted = restarted.registration_of("hanako", &reg).await;
    assert_eq!(lifted["status"], "REGISTERED");
    assert_eq!(lifted["suspended_until"], Value::Null);
    let lifts = lifted["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["event"] == "SuspensionLifted")
        .count();
    assert_eq!(lifts, 1, "lifted exactly once");
    assert_eq!(restarted.published_status(idx).await, Some(Status::Valid));
    assert_eq!(verify(&restarted, &token).await["result"], "VALID");
    let items = restarted.feed_of(&reg, "SUSPENSION_LIFTED").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["data"]["sanction_id"], id.as_str());
    // The holder was told each step, in their inbox.
    let inbox: Value = restarted
        .get_json(
            "/v1/notifications",
            &restarted.token(Role::Applicant, "hanako"),
        )
        .await;
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["case_id"] == id.as_str() || n["case_id"] == reg.as_str())
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "sanction_opened",
        "action_required",
        "sanction_in_force",
        "suspension_lifted",
    ] {
        assert_eq!(
            kinds.iter().filter(|k| **k == kind).count(),
            1,
            "{kind} once in {kinds:?}"
        );
    }
    assert!(
        !kinds.contains(&"credential_suspended"),
        "the case's notice tells of the suspended certificates: not a second one {kinds:?}"
    );

    // The job's own row records it done (its outcome is written after the
    // command, so it may trail the event a little).
    let mut row = (String::new(), 0, None);
    for _ in 0..600 {
        row = sqlx::query_as::<_, (String, i32, Option<String>)>(
            "SELECT state::text, attempts, last_error FROM jobs WHERE kind = 'sanction.lift'",
        )
        .fetch_one(&restarted.pool)
        .await
        .unwrap();
        if row.0 == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(row.0, "succeeded", "{row:?}");
}
