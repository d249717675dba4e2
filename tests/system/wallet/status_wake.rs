//! The status-notice pass is woken by the trigger's NOTIFY, not by polling,
//! and a change waiting for its recipient does not hold those behind it.

use std::time::{Duration, Instant};

use adapters::certificate::set_registration_status;
use certificate::Status;
use tokio::sync::watch;
use uuid::Uuid;

use super::*;
use crate::common::{application, my_number, spawn_app_with};

/// Records `n` status changes of entries whose registrations no one is
/// known for (`registration_id` random); returns their ids.
async fn changes_without_recipient(app: &TestApp, n: i32) -> Vec<i64> {
    sqlx::query(
        "INSERT INTO status_list_entries (list_id, idx, owner_id, status, registration_id)
         SELECT 1, 900000 + i, gen_random_uuid(), 0, gen_random_uuid()
         FROM generate_series(1, $1) i",
    )
    .bind(n)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE status_list_entries SET status = 1 WHERE idx >= 900000")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT id FROM status_changes ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// Polls `sql` (a count) until it reaches `want` or `limit` passes.
async fn until(app: &TestApp, sql: &str, want: i64, limit: Duration) -> i64 {
    let start = Instant::now();
    loop {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap();
        if n >= want || start.elapsed() > limit {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_recorded_change_wakes_the_pass_without_polling() {
    // No workers: the only pass is this test's, which polls once an hour.
    let app = spawn_app_with(|s| s.run_workers = false).await;
    let settings = crate::common::test_settings(&app.database_url);
    let core = shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap();
    let (stop, shutdown) = watch::channel(false);
    let pass = tokio::spawn(core.notices.clone().tell_status_changes_until(
        app.pool.clone(),
        Duration::from_secs(3600),
        shutdown,
    ));
    // Its first pass finds nothing and waits.
    tokio::time::sleep(Duration::from_millis(500)).await;
    changes_without_recipient(&app, 1).await;
    // Handled (put off: no one to tell yet) only because it was woken.
    let handled = until(
        &app,
        "SELECT count(*) FROM status_changes WHERE retry_at IS NOT NULL",
        1,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(handled, 1, "the NOTIFY did not wake the pass");
    stop.send(true).unwrap();
    pass.await.unwrap();
}

#[tokio::test]
async fn changes_waiting_for_their_recipient_do_not_hold_the_others() {
    let app = spawn_app_with(|s| s.run_workers = false).await;
    // A full pass (500) of changes no one is known for yet.
    let waiting = changes_without_recipient(&app, 500).await;
    // Then a suspension of an applicant's case, whose recipient is known.
    let r = app
        .post_as(
            Role::Applicant,
            "hanako",
            "/v1/registrations",
            &application(&my_number("73345678901")),
        )
        .await;
    let case: Value = answer(r, StatusCode::CREATED).await;
    let id = Uuid::parse_str(case["id"].as_str().unwrap()).unwrap();
    let known = format!("SELECT count(*) FROM notification_recipients WHERE case_id = '{id}'");
    assert_eq!(until(&app, &known, 1, Duration::from_secs(60)).await, 1);
    sqlx::query(
        "INSERT INTO status_list_entries (list_id, idx, owner_id, status, registration_id)
         VALUES (1, 899999, gen_random_uuid(), 0, $1)",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    set_registration_status(&mut conn, id, Status::Suspended)
        .await
        .unwrap();

    let settings = crate::common::test_settings(&app.database_url);
    let core = shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap();
    for _ in 0..3 {
        core.notices.tell_status_changes(&app.pool).await.unwrap();
    }
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE kind = 'credential_suspended' AND case_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        told, 1,
        "the suspension was held behind changes waiting for their recipients"
    );
    let still_waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM status_changes WHERE id = ANY($1) AND told_at IS NULL",
    )
    .bind(&waiting)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        still_waiting, 500,
        "a young change without recipient is kept for later"
    );
}

#[tokio::test]
async fn changes_told_a_week_ago_are_pruned_younger_and_untold_ones_kept() {
    let app = spawn_app_with(|s| s.run_workers = false).await;
    changes_without_recipient(&app, 3).await;
    sqlx::query(
        "UPDATE status_changes SET told_at = now() - CASE id % 3 WHEN 0 THEN interval '8 days'
                                                            WHEN 1 THEN interval '6 days' END",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let pruned = workers::notification::NotificationProducer::prune_told_status_changes(&app.pool)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM status_changes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 2, "a change told 6 days ago and an untold one stay");
}
