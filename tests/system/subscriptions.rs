//! The subscription runner: commit order, crash safety, leadership, rebuilds
//! and exactly-once delivery under concurrent writers.

use crate::common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use domain::examination::ExaminationCommand;
use domain::registration::{
    Applicant, Channel, QualificationRegistration, RegistrationCommand, RegistrationServices,
};
use domain::{Actor, Role};
use projections::numbers::PgRegistrationNumbers;
use projections::store::CommandBus;
use projections::subscription::{BatchOutcome, Projection, StoredEvent, Subscription};
use projections::ProjectionError;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Records every event it sees; the primary key turns a duplicate into an error.
struct Recorder {
    name: &'static str,
    /// Fail once when reaching this position (a crash mid-batch).
    fail_at: Option<i64>,
    failed: AtomicBool,
}

impl Recorder {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            fail_at: None,
            failed: AtomicBool::new(false),
        }
    }
}

#[async_trait]
impl Projection for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        sqlx::query("INSERT INTO seen_events (subscription, global_position) VALUES ($1, $2)")
            .bind(self.name)
            .bind(event.global_position)
            .execute(&mut *conn)
            .await?;
        if self.fail_at == Some(event.global_position) && !self.failed.swap(true, Ordering::SeqCst)
        {
            return Err(ProjectionError::Vault(
                "simulated crash before the checkpoint".into(),
            ));
        }
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("DELETE FROM seen_events WHERE subscription = $1")
            .bind(self.name)
            .execute(conn)
            .await?;
        Ok(())
    }
}

async fn database() -> PgPool {
    let url = common::fresh_database().await;
    let pool = projections::db::connect(&url, 40).await.unwrap();
    projections::db::migrate(&pool).await.unwrap();
    sqlx::query("CREATE TABLE seen_events (subscription text, global_position bigint, PRIMARY KEY (subscription, global_position))")
        .execute(&pool)
        .await
        .unwrap();
    pool
}

async fn append(conn: &mut PgConnection, id: &str) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('Test', $1, 1, 'Tested', '1', '{}', '{}')",
    )
    .bind(id)
    .execute(conn)
    .await
    .unwrap();
}

async fn seen(pool: &PgPool, name: &str) -> Vec<i64> {
    sqlx::query_scalar("SELECT global_position FROM seen_events WHERE subscription = $1 ORDER BY 1")
        .bind(name)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_transaction_committing_after_a_later_one_is_not_skipped() {
    let pool = database().await;
    let sub = Subscription::new(pool.clone(), Arc::new(Recorder::new("order")));
    sub.ensure_checkpoint().await.unwrap();

    let mut early = pool.begin().await.unwrap();
    append(&mut early, "early").await; // lower global_position, still open
    let mut late = pool.begin().await.unwrap();
    append(&mut late, "late").await;
    late.commit().await.unwrap();

    // The late event is committed, but reading it now would move the
    // checkpoint past the early one: the runner waits instead.
    assert_eq!(sub.run_once().await.unwrap(), BatchOutcome::Applied(0));
    early.commit().await.unwrap();
    assert_eq!(sub.catch_up().await.unwrap(), 2);
    assert_eq!(seen(&pool, "order").await.len(), 2);
}

/// Applies like [`Recorder`], then waits inside its batch until released.
struct Held {
    inside: tokio::sync::Notify,
    release: tokio::sync::Notify,
}

#[async_trait]
impl Projection for Held {
    fn name(&self) -> &'static str {
        "held"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        Recorder::new("held").apply(conn, event).await?;
        self.inside.notify_one();
        self.release.notified().await;
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_batch_in_flight_holds_back_no_other_subscription() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    append(&mut conn, "first").await;
    let held = Arc::new(Held {
        inside: tokio::sync::Notify::new(),
        release: tokio::sync::Notify::new(),
    });
    let slow = Subscription::new(pool.clone(), held.clone());
    slow.ensure_checkpoint().await.unwrap();
    let running = tokio::spawn(async move { slow.run_once().await });
    held.inside.notified().await;

    // Appended after the slow batch took its transaction id.
    append(&mut conn, "second").await;
    let quick = Subscription::new(pool.clone(), Arc::new(Recorder::new("quick")));
    quick.ensure_checkpoint().await.unwrap();
    assert_eq!(
        quick.run_once().await.unwrap(),
        BatchOutcome::Applied(2),
        "the open batch does not append events, so nothing waits for it"
    );

    held.release.notify_one();
    assert_eq!(running.await.unwrap().unwrap(), BatchOutcome::Applied(1));
    assert_eq!(seen(&pool, "held").await.len(), 1);
}

#[tokio::test]
async fn a_crash_before_the_checkpoint_reapplies_the_batch_without_duplicates() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..10 {
        append(&mut conn, &format!("a{i}")).await;
    }
    let fifth: i64 = sqlx::query_scalar(
        "SELECT global_position FROM events ORDER BY global_position OFFSET 4 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let recorder = Recorder {
        fail_at: Some(fifth),
        ..Recorder::new("crash")
    };
    let sub = Subscription::new(pool.clone(), Arc::new(recorder));
    sub.ensure_checkpoint().await.unwrap();
    assert!(
        sub.run_once().await.is_err(),
        "the batch fails after writing four rows"
    );
    assert!(
        seen(&pool, "crash").await.is_empty(),
        "the rows were rolled back with the checkpoint"
    );
    assert_eq!(sub.run_once().await.unwrap(), BatchOutcome::Applied(10));
    assert_eq!(seen(&pool, "crash").await.len(), 10);
}

#[tokio::test]
async fn two_runners_never_process_the_same_batch() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..1000 {
        append(&mut conn, &format!("b{i}")).await;
    }
    let recorder: Arc<dyn Projection> = Arc::new(Recorder::new("pair"));
    let one = Subscription::new(pool.clone(), recorder.clone()).with_batch_size(7);
    let two = Subscription::new(pool.clone(), recorder).with_batch_size(7);
    one.ensure_checkpoint().await.unwrap();

    // While one runner holds the checkpoint, the other is told so.
    let mut held = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM subscription_checkpoints WHERE name = 'pair' FOR UPDATE")
        .execute(&mut *held)
        .await
        .unwrap();
    assert_eq!(two.run_once().await.unwrap(), BatchOutcome::Locked);
    held.rollback().await.unwrap();

    let (a, b) = tokio::join!(one.catch_up(), two.catch_up());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 1000, "each event applied by exactly one runner");
    assert_eq!(seen(&pool, "pair").await.len(), 1000);
}

fn applicant(n: usize) -> Applicant {
    Applicant {
        family_name: "佐藤".into(),
        given_name: format!("太郎{n}"),
        family_name_kana: "サトウ".into(),
        given_name_kana: "タロウ".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1985, 5, 5).unwrap(),
        address: "札幌市".into(),
        registered_domicile: "北海道".into(),
        email: "taro@example.jp".into(),
        exam_pass_number: format!("P{n}"),
        preferred_language: Default::default(),
    }
}

async fn bus(pool: &PgPool) -> Arc<CommandBus<QualificationRegistration>> {
    let services = RegistrationServices {
        catalogue: Arc::new(projections::catalogue::load(pool).await.unwrap()),
        numbers: Arc::new(PgRegistrationNumbers::new(pool.clone())),
    };
    Arc::new(CommandBus::new(pool.clone(), services))
}

#[tokio::test]
async fn sixteen_writers_every_event_reaches_every_view_exactly_once() {
    let app = common::spawn_app().await;
    let pool = app.pool.clone();
    sqlx::query("CREATE TABLE seen_events (subscription text, global_position bigint, PRIMARY KEY (subscription, global_position))")
        .execute(&pool)
        .await
        .unwrap();
    let counter = Subscription::new(pool.clone(), Arc::new(Recorder::new("counter")));
    let wake = projections::subscription::listen(&pool).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let counting = tokio::spawn(counter.clone().run(wake, stopped));
    let bus = bus(&pool).await;

    let mut writers = Vec::new();
    for w in 0..16 {
        let bus = bus.clone();
        writers.push(tokio::spawn(async move {
            for c in 0..100 {
                let id = Uuid::new_v4().to_string();
                let submit = RegistrationCommand::Submit {
                    qualification_code: "SOCIAL_WORKER".into(),
                    applicant: Box::new(applicant(w * 1000 + c)),
                    my_number_ref: Uuid::new_v4(),
                    channel: Channel::Online,
                    owner: Some(format!("writer-{w}")),
                    actor: Actor::new(format!("writer-{w}"), Role::Applicant),
                    at: Utc::now(),
                };
                bus.execute(&id, submit, None, HashMap::new())
                    .await
                    .unwrap();
                let pay = RegistrationCommand::Examination(ExaminationCommand::SettlePayment {
                    payment_reference: format!("p-{id}"),
                    amount: 19050,
                    at: Utc::now(),
                });
                bus.execute(&id, pay, None, HashMap::new()).await.unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(total, 16 * 100 * 3);
    app.settle().await;
    for _ in 0..400 {
        if seen(&pool, "counter").await.len() as i64 == total {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    stop.send(true).unwrap();
    counting.await.unwrap();
    assert_eq!(seen(&pool, "counter").await.len() as i64, total);
    let processed: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, events_processed FROM subscription_checkpoints ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (name, n) in processed {
        assert_eq!(n, total, "{name} processed every event once");
    }
    let rows: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE version = 3 AND status = 'UNDER_EXAMINATION' AND paid) FROM registration_status",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, (1600, 1600));
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM examiner_queue WHERE status = 'UNDER_EXAMINATION'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(queued, 1600);
}

async fn snapshot(pool: &PgPool) -> Vec<String> {
    let mut all = Vec::new();
    for (table, order) in [
        ("registration_status", "id"),
        ("examiner_queue", "case_id"),
        ("register", "registration_id"),
        ("change_request_status", "id"),
    ] {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT t::text FROM {table} t ORDER BY {order}"))
                .fetch_all(pool)
                .await
                .unwrap();
        all.extend(rows);
    }
    all
}

#[tokio::test]
async fn a_rebuild_produces_the_view_built_incrementally() {
    let app = common::spawn_app().await;
    let senior = app.token(Role::SeniorExaminer, "sr");
    for i in 0..6 {
        let id = app
            .claimed(
                &format!("person-{i}"),
                &common::my_number(&format!("1234567890{i}")),
                "ex",
            )
            .await;
        if i % 2 == 0 {
            app.post(
                &format!("/v1/registrations/{id}/decision-proposals"),
                &app.token(Role::Examiner, "ex"),
                &serde_json::json!({"outcome": "APPROVE"}),
            )
            .await;
            app.post(
                &format!("/v1/registrations/{id}/decision-approvals"),
                &senior,
                &serde_json::json!({}),
            )
            .await;
        }
    }
    app.apply("late", &common::my_number("99999999999")).await;
    app.settle().await;
    let incremental = snapshot(&app.pool).await;
    assert!(incremental.len() >= 7 + 7 + 3);
    let settings = common::test_settings(&app.database_url);
    let core = shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap();
    for projection in shikaku::startup::projections(&core) {
        let sub = Subscription::new(app.pool.clone(), projection);
        sub.reset().await.unwrap();
        sub.catch_up().await.unwrap();
    }
    app.settle().await;
    assert_eq!(snapshot(&app.pool).await, incremental);
}

#[tokio::test]
async fn every_view_is_safe_to_replay_and_to_rebuild_twice() {
    let app = common::spawn_app().await;
    let id = app
        .claimed("replayed", &common::my_number("12345678909"), "ex")
        .await;
    app.post(
        &format!("/v1/registrations/{id}/decision-proposals"),
        &app.token(Role::Examiner, "ex"),
        &serde_json::json!({"outcome": "APPROVE"}),
    )
    .await;
    app.post(
        &format!("/v1/registrations/{id}/decision-approvals"),
        &app.token(Role::SeniorExaminer, "sr"),
        &serde_json::json!({}),
    )
    .await;
    app.settle().await;
    app.post(
        &format!("/v1/registrations/{id}/change-requests"),
        &app.token(Role::Applicant, "replayed"),
        &serde_json::json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "札幌市"}}),
    )
    .await;
    app.apply("pending", &common::my_number("12345678908"))
        .await;
    app.settle().await;
    let before = snapshot(&app.pool).await;
    let settings = common::test_settings(&app.database_url);
    let core = shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap();
    // A batch delivered again (a crash after the view was written, an
    // operator rewinding a checkpoint) finds its rows and changes nothing.
    for projection in shikaku::startup::projections(&core) {
        let sub = Subscription::new(app.pool.clone(), projection);
        sqlx::query(
            "UPDATE subscription_checkpoints SET last_transaction_id = '0', last_global_position = 0
             WHERE name = $1",
        )
        .bind(sub.name())
        .execute(&app.pool)
        .await
        .unwrap();
        sub.catch_up()
            .await
            .unwrap_or_else(|e| panic!("{} replayed: {e}", sub.name()));
    }
    app.settle().await;
    assert_eq!(snapshot(&app.pool).await, before);
    // Two rebuilds in a row give the same views.
    for _ in 0..2 {
        for projection in shikaku::startup::projections(&core) {
            let sub = Subscription::new(app.pool.clone(), projection);
            sub.reset().await.unwrap();
            sub.catch_up().await.unwrap();
        }
    }
    app.settle().await;
    assert_eq!(snapshot(&app.pool).await, before);
}
