//! The subscription runner: commit order, crash safety, leadership, rebuilds
//! and exactly-once delivery under concurrent writers.

mod batch_append;
mod fan_out;
mod runner;
mod views;

use crate::common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use adapters::numbers::PgRegistrationNumbers;
use async_trait::async_trait;
use chrono::Utc;
use domain::examination::ExaminationCommand;
use domain::registration::{
    Applicant, Channel, QualificationRegistration, RegistrationCommand, RegistrationServices,
};
use domain::{Actor, Role};
use eventstore::store::CommandBus;
use eventstore::subscription::{BatchOutcome, Projection, StoredEvent, Subscription};
use eventstore::ProjectionError;
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

    fn rebuild_tables(&self) -> &'static [&'static str] {
        &["seen_events"]
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
    let pool = eventstore::db::connect(&url, 40).await.unwrap();
    eventstore::db::migrate(&pool).await.unwrap();
    sqlx::query("CREATE TABLE seen_events (subscription text, global_position bigint, PRIMARY KEY (subscription, global_position))")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("CREATE INDEX seen_events_position ON seen_events (global_position)")
        .execute(&pool)
        .await
        .unwrap();
    pool
}

/// The definitions of `table`'s indexes, by name.
async fn indexes_of(pool: &PgPool, table: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname")
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap()
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

/// Waits until every transaction older than the newest event has ended, so
/// a batch may read them all: another test's transaction open in the same
/// cluster holds the guard of running transactions back meanwhile.
async fn all_readable(pool: &PgPool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let readable: bool = sqlx::query_scalar(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())
                    > coalesce(max(transaction_id), '0'::text::xid8)
             FROM events",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if readable {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a transaction stayed open for 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn seen(pool: &PgPool, name: &str) -> Vec<i64> {
    sqlx::query_scalar("SELECT global_position FROM seen_events WHERE subscription = $1 ORDER BY 1")
        .bind(name)
        .fetch_all(pool)
        .await
        .unwrap()
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
        nationality: None,
    }
}

/// An online application by `who`, with applicant `n`'s particulars.
fn submit(n: usize, who: &str) -> RegistrationCommand {
    RegistrationCommand::Submit {
        qualification_code: "SOCIAL_WORKER".into(),
        applicant: Box::new(applicant(n)),
        my_number_ref: Uuid::new_v4(),
        channel: Channel::Online,
        owner: Some(who.to_owned()),
        holdings: vec![],
        actor: Actor::new(who, Role::Applicant),
        at: Utc::now(),
    }
}

/// The gateway's report that case `id` paid the social worker's fee.
fn pay(id: &str) -> RegistrationCommand {
    RegistrationCommand::Examination(ExaminationCommand::SettlePayment {
        payment_reference: format!("p-{id}"),
        amount: 19050,
        at: Utc::now(),
    })
}

async fn bus(pool: &PgPool) -> Arc<CommandBus<QualificationRegistration>> {
    let services = RegistrationServices {
        catalogue: domain::catalogue::InForce::new(adapters::catalogue::load(pool).await.unwrap()),
        numbers: Arc::new(PgRegistrationNumbers::new(pool.clone())),
    };
    Arc::new(CommandBus::new(pool.clone(), services))
}

async fn snapshot(pool: &PgPool) -> Vec<String> {
    let mut all = Vec::new();
    for (table, order) in [
        ("registration_status", "id"),
        ("examiner_queue", "case_id"),
        ("register", "registration_id"),
        ("change_request_status", "id"),
        ("feed_events", "transaction_id, global_position, ordinal"),
        ("feed_registrations", "registration_id"),
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

/// The application's core, as the app built it, for its projections.
async fn core(app: &common::TestApp) -> shikaku::startup::Core {
    let settings = common::test_settings(&app.database_url);
    shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap()
}

/// Every view of the product reset and rebuilt from the events.
async fn rebuild_views(app: &common::TestApp, core: &shikaku::startup::Core) {
    for projection in shikaku::startup::projections(core) {
        let sub = Subscription::new(app.pool.clone(), projection);
        sub.rebuild().await.unwrap();
    }
}
