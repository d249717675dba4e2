//! The queue's own table (`job_queue`, migration `..._job_queue`): it follows
//! every change of `jobs`, whoever makes it, and because the claims walk it,
//! the state changes of `jobs` are HOT updates (no index written); and the
//! worker vacuums it as it deletes its rows.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use sqlx::PgPool;

use crate::common::spawn_app;
use workers::jobs::{enqueue_all, retry, NewJob};
use workers::{Job, JobError, JobHandler, JobState, Worker, WorkerOptions};

const KIND: &str = "test.queue";

/// Succeeds, except for jobs whose key starts with "fail", which die.
struct Counting(AtomicUsize);

#[async_trait]
impl JobHandler for Counting {
    fn kind(&self) -> &'static str {
        KIND
    }
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        if job.dedupe_key.starts_with("fail") {
            return Err(JobError::Permanent("no".into()));
        }
        Ok(())
    }
}

fn worker(pool: &PgPool, handler: Arc<Counting>) -> Worker {
    let options = WorkerOptions {
        concurrency: 4,
        lease: Duration::from_secs(2),
        backoff_base: Duration::from_millis(20),
        poll: Duration::from_millis(20),
    };
    Worker::new(pool.clone(), vec![handler], options)
}

async fn add(pool: &PgPool, keys: &[&str]) {
    let jobs: Vec<NewJob> = keys
        .iter()
        .map(|k| NewJob::new(KIND, *k, json!({ "k": k })))
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    enqueue_all(&mut conn, &jobs).await.unwrap();
}

/// Rows where the queue's table disagrees with jobs: a job not done without
/// its queue row (or with a wrong one), or a queue row of a finished job.
async fn disagreements(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM jobs j FULL JOIN job_queue q ON q.id = j.id
         WHERE (j.state IS DISTINCT FROM 'succeeded') IS DISTINCT FROM (q.id IS NOT NULL)
            OR (q.id IS NOT NULL AND (q.kind, q.dead, q.due_at)
                IS DISTINCT FROM (j.kind, j.state = 'dead', j.run_at))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn id_of(pool: &PgPool, key: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM jobs WHERE dedupe_key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_queue_table_follows_every_change_of_jobs() {
    let app = spawn_app().await;
    let pool = &app.pool;
    add(pool, &["a", "b", "fail-c", "later"]).await;
    sqlx::query("UPDATE jobs SET run_at = now() + interval '1 hour' WHERE dedupe_key = 'later'")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        disagreements(pool).await,
        0,
        "after enqueue and a moved run_at"
    );

    let handler = Arc::new(Counting(AtomicUsize::new(0)));
    let worker = worker(pool, handler.clone());
    while worker.run_one().await.unwrap() {}
    assert_eq!(
        handler.0.load(Ordering::SeqCst),
        3,
        "the job due later waits"
    );
    assert_eq!(disagreements(pool).await, 0, "after claims and finishes");
    let queued: Vec<i64> = sqlx::query_scalar("SELECT id FROM job_queue ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(
        queued,
        vec![id_of(pool, "fail-c").await, id_of(pool, "later").await],
        "only the dead job and the one not yet due are left in the queue"
    );

    // The admin's list of dead jobs, and both kinds of retry.
    let dead = workers::jobs::list(pool, Some(JobState::Dead), Some(KIND), None, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].dedupe_key, "fail-c");
    retry(pool, dead[0].id).await.unwrap();
    retry(pool, id_of(pool, "a").await).await.unwrap();
    assert_eq!(disagreements(pool).await, 0, "after retries");
    let queued = workers::jobs::list(pool, Some(JobState::Queued), None, None, 10)
        .await
        .unwrap();
    assert_eq!(queued.len(), 3, "fail-c, a and later: {queued:?}");

    // An operator's SQL, a lease that ran out, and a deletion.
    sqlx::query(
        "UPDATE jobs SET state = 'running', locked_by = 'gone', locked_until = now() - interval '1 s'
         WHERE dedupe_key = 'a'",
    )
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(disagreements(pool).await, 0, "after a lease set by hand");
    assert!(
        worker.run_one().await.unwrap(),
        "the expired lease is taken over"
    );
    sqlx::query("DELETE FROM jobs WHERE dedupe_key = 'later'")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        disagreements(pool).await,
        0,
        "after a take-over and a deletion"
    );
}

#[tokio::test]
async fn claims_and_finishes_are_hot_updates() {
    let app = spawn_app().await;
    let pool = &app.pool;
    let keys: Vec<String> = (0..40).map(|i| format!("hot-{i}")).collect();
    add(pool, &keys.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let handler = Arc::new(Counting(AtomicUsize::new(0)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(worker(pool, handler.clone()).run(stopped));
    for _ in 0..400 {
        if handler.0.load(Ordering::SeqCst) == keys.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.send(true).unwrap();
    runner.await.unwrap();
    // A claim and a finish a job; other backends report their counts when
    // they are idle, within a few seconds.
    let mut seen = (0, 0);
    for _ in 0..100 {
        seen = sqlx::query_as(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'jobs'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if seen.0 >= 2 * keys.len() as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (updates, hot): (i64, i64) = seen;
    assert!(
        updates >= 2 * keys.len() as i64,
        "{updates} updates reported"
    );
    assert!(
        hot * 10 >= updates * 9,
        "{hot} of {updates} updates of jobs were HOT"
    );
}

#[tokio::test]
async fn a_worker_vacuums_the_queue_table_as_it_finishes_jobs() {
    let app = spawn_app().await;
    let pool = &app.pool;
    let vacuums = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'job_queue'",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    };
    let before = vacuums().await;
    let keys: Vec<String> = (0..workers::jobs::VACUUM_EVERY + 50)
        .map(|i| format!("vacuum-{i}"))
        .collect();
    add(pool, &keys.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let handler = Arc::new(Counting(AtomicUsize::new(0)));
    let options = WorkerOptions {
        concurrency: 64,
        poll: Duration::from_millis(20),
        ..WorkerOptions::default()
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner =
        tokio::spawn(Worker::new(pool.clone(), vec![handler.clone()], options).run(stopped));
    let mut after = before;
    for _ in 0..400 {
        after = vacuums().await;
        if handler.0.load(Ordering::SeqCst) == keys.len() && after > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.send(true).unwrap();
    runner.await.unwrap();
    assert_eq!(handler.0.load(Ordering::SeqCst), keys.len());
    assert!(
        after > before,
        "{} jobs finished and job_queue was not vacuumed",
        keys.len()
    );
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM job_queue WHERE kind = $1")
        .bind(KIND)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
