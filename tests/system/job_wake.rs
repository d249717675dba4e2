//! Waking workers: only a job that becomes claimable (added, or put back in
//! the queue) notifies them. A claim or a recorded outcome does not: when it
//! did, every claim woke every worker to claim again, and an idle worker spun
//! on empty claims, each commit taking the server-wide NOTIFY lock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use workers::jobs::{enqueue, NewJob, JOBS_CHANNEL};
use workers::{Job, JobError, JobHandler, Worker, WorkerOptions};

use crate::common::spawn_app;

/// Counts the jobs it runs; each succeeds.
#[derive(Default)]
struct Counter {
    runs: AtomicUsize,
}

#[async_trait]
impl JobHandler for Counter {
    fn kind(&self) -> &'static str {
        "test.wake"
    }
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn add(pool: &PgPool, key: &str) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    assert!(enqueue(&mut conn, NewJob::new("test.wake", key, json!({})))
        .await
        .unwrap());
    sqlx::query_scalar("SELECT id FROM jobs WHERE dedupe_key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Whether a notification arrives on the jobs' channel within `wait`.
async fn notified(listener: &mut PgListener, wait: Duration) -> bool {
    tokio::time::timeout(wait, listener.recv()).await.is_ok()
}

/// Options that poll so rarely that only a notification can start a job in time.
fn deaf() -> WorkerOptions {
    WorkerOptions {
        concurrency: 2,
        lease: Duration::from_secs(30),
        backoff_base: Duration::from_millis(20),
        poll: Duration::from_secs(60),
    }
}

#[tokio::test]
async fn a_new_or_requeued_job_notifies_the_workers_and_claims_and_outcomes_do_not() {
    let app = spawn_app().await;
    let mut listener = PgListener::connect_with(&app.pool).await.unwrap();
    listener.listen(JOBS_CHANNEL).await.unwrap();

    let id = add(&app.pool, "w-1").await;
    assert!(
        notified(&mut listener, Duration::from_secs(5)).await,
        "a new job wakes the workers"
    );
    let handler = Arc::new(Counter::default());
    let worker = Worker::new(app.pool.clone(), vec![handler.clone()], deaf());
    assert!(worker.run_one().await.unwrap(), "claimed and ran");
    assert!(!worker.run_one().await.unwrap(), "an empty claim");
    assert!(
        !notified(&mut listener, Duration::from_millis(700)).await,
        "neither the claims (one empty) nor the outcome notify"
    );
    workers::jobs::retry(&app.pool, id).await.unwrap();
    assert!(
        notified(&mut listener, Duration::from_secs(5)).await,
        "a job queued again wakes the workers"
    );
}

#[tokio::test]
async fn an_idle_worker_runs_a_new_job_and_a_requeued_one_without_waiting_for_its_poll() {
    let app = spawn_app().await;
    let handler = Arc::new(Counter::default());
    let worker = Worker::new(app.pool.clone(), vec![handler.clone()], deaf());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(worker.run(stopped));
    // Let it make its first (empty) claim and go idle.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let ran = |n: usize| {
        let handler = handler.clone();
        async move {
            for _ in 0..200 {
                if handler.runs.load(Ordering::SeqCst) >= n {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    let id = add(&app.pool, "w-2").await;
    assert!(ran(1).await, "the new job ran long before the 60 s poll");
    sqlx::query("UPDATE jobs SET state = 'dead' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    workers::jobs::retry(&app.pool, id).await.unwrap();
    assert!(
        ran(2).await,
        "the requeued job ran long before the 60 s poll"
    );

    stop.send(true).unwrap();
    runner.await.unwrap();
}
