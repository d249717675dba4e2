//! The job queue: retries with backoff, dead after max attempts, lease
//! take-over after a crash, exactly one runner per job, and the admin API and
//! CLI views of it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::{answer, open_jobs, spawn_app, TestApp, NOT_ADMIN};
use async_trait::async_trait;
use domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use workers::jobs::{enqueue, NewJob};
use workers::{Job, JobError, JobHandler, Worker, WorkerOptions};

/// Fails its first `failures` attempts of every job, then succeeds; counts runs.
struct Flaky {
    failures: i32,
    runs: AtomicUsize,
    permanent: bool,
}

#[async_trait]
impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "test.flaky"
    }
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        if self.permanent {
            return Err(JobError::Permanent("cannot ever work".into()));
        }
        if job.attempts <= self.failures {
            return Err(JobError::Retry(format!("attempt {} failed", job.attempts)));
        }
        Ok(())
    }
}

pub(crate) fn options() -> WorkerOptions {
    WorkerOptions {
        concurrency: 2,
        lease: Duration::from_secs(2),
        backoff_base: Duration::from_millis(20),
        poll: Duration::from_millis(20),
    }
}

pub(crate) async fn add(pool: &PgPool, key: &str, max_attempts: i32) -> bool {
    let mut conn = pool.acquire().await.unwrap();
    let mut job = NewJob::new("test.flaky", key, json!({"n": key}));
    job.max_attempts = max_attempts;
    enqueue(&mut conn, job).await.unwrap()
}

async fn job_row(pool: &PgPool, key: &str) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT state, attempts, last_error FROM jobs WHERE dedupe_key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn drain(worker: &Worker, pool: &PgPool) {
    for _ in 0..500 {
        worker.run_one().await.unwrap();
        if open_jobs(pool).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("jobs did not finish");
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_succeeds_or_dies() {
    let app = spawn_app().await;
    let handler = Arc::new(Flaky {
        failures: 2,
        runs: AtomicUsize::new(0),
        permanent: false,
    });
    let worker = Worker::new(app.pool.clone(), vec![handler.clone()], options());
    assert!(add(&app.pool, "recovers", 5).await);
    assert!(
        !add(&app.pool, "recovers", 5).await,
        "the same key is one job"
    );
    assert!(add(&app.pool, "gives-up", 2).await);
    drain(&worker, &app.pool).await;

    let (state, attempts, error) = job_row(&app.pool, "recovers").await;
    assert_eq!((state.as_str(), attempts), ("succeeded", 3));
    assert_eq!(error, None);
    let (state, attempts, error) = job_row(&app.pool, "gives-up").await;
    assert_eq!((state.as_str(), attempts), ("dead", 2));
    assert_eq!(error.as_deref(), Some("attempt 2 failed"));
    assert_eq!(handler.runs.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_permanent_failure_is_dead_at_once() {
    let app = spawn_app().await;
    let handler = Arc::new(Flaky {
        failures: 0,
        runs: AtomicUsize::new(0),
        permanent: true,
    });
    let worker = Worker::new(app.pool.clone(), vec![handler.clone()], options());
    add(&app.pool, "hopeless", 10).await;
    drain(&worker, &app.pool).await;
    let (state, attempts, _) = job_row(&app.pool, "hopeless").await;
    assert_eq!((state.as_str(), attempts), ("dead", 1));
}

#[tokio::test]
async fn a_crashed_workers_job_is_taken_over_after_its_lease() {
    let app = spawn_app().await;
    add(&app.pool, "orphan", 5).await;
    // A worker claimed it and died: running, lease expired.
    sqlx::query(
        "UPDATE jobs SET state = 'running', attempts = 1, locked_by = 'dead-worker',
                locked_until = now() - interval '1 second' WHERE dedupe_key = 'orphan'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    // A live lease is left alone.
    add(&app.pool, "held", 5).await;
    sqlx::query(
        "UPDATE jobs SET state = 'running', attempts = 1, locked_by = 'live-worker',
                locked_until = now() + interval '1 hour' WHERE dedupe_key = 'held'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let handler = Arc::new(Flaky {
        failures: 0,
        runs: AtomicUsize::new(0),
        permanent: false,
    });
    let worker = Worker::new(app.pool.clone(), vec![handler.clone()], options());
    assert!(worker.run_one().await.unwrap());
    assert!(!worker.run_one().await.unwrap());
    assert_eq!(job_row(&app.pool, "orphan").await.0, "succeeded");
    assert_eq!(job_row(&app.pool, "orphan").await.1, 2);
    assert_eq!(job_row(&app.pool, "held").await.0, "running");
}

#[tokio::test]
async fn many_workers_run_each_job_exactly_once() {
    let app = spawn_app().await;
    for i in 0..40 {
        add(&app.pool, &format!("job-{i}"), 3).await;
    }
    let handler = Arc::new(Flaky {
        failures: 0,
        runs: AtomicUsize::new(0),
        permanent: false,
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runners: Vec<_> = (0..3)
        .map(|_| {
            let w = Worker::new(app.pool.clone(), vec![handler.clone()], options());
            tokio::spawn(w.run(stopped.clone()))
        })
        .collect();
    for _ in 0..400 {
        let done: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if done == 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.send(true).unwrap();
    for r in runners {
        r.await.unwrap();
    }
    assert_eq!(handler.runs.load(Ordering::SeqCst), 40);
}

async fn dead_job(app: &TestApp) -> i64 {
    add(&app.pool, "dead-one", 1).await;
    sqlx::query_scalar(
        "UPDATE jobs SET state = 'dead', attempts = 1, last_error = 'remote said no'
         WHERE dedupe_key = 'dead-one' RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn admins_list_dead_jobs_and_queue_them_again() {
    let app = spawn_app().await;
    let id = dead_job(&app).await;
    let admin = app.token(Role::Admin, "admin-1");

    let r = app.get("/v1/admin/jobs?state=dead", &admin).await;
    let page = answer(r, StatusCode::OK).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["state"], "dead");
    assert_eq!(items[0]["last_error"], "remote said no");

    let r = app.get("/v1/admin/jobs?state=NOPE", &admin).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let job = app
        .post_ok(&format!("/v1/admin/jobs/{id}/retry"), &admin, &json!({}))
        .await;
    assert_eq!(job["state"], "queued");
    assert_eq!(job["attempts"], 0);
    // Queued again: not retryable until it ends.
    let r = app
        .post(&format!("/v1/admin/jobs/{id}/retry"), &admin, &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app
        .post("/v1/admin/jobs/999999/retry", &admin, &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("shikaku_jobs{kind=\"test.flaky\",state=\"queued\",scope=\"database\"} 1")
    );
    assert!(metrics.contains(
        "shikaku_jobs_oldest_queued_age_seconds{kind=\"test.flaky\",scope=\"database\"}"
    ));
}

#[tokio::test]
async fn only_admins_see_the_job_queue() {
    let app = spawn_app().await;
    let id = dead_job(&app).await;
    let r = app.get_anonymous("/v1/admin/jobs").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for role in NOT_ADMIN {
        let token = app.token(role, "someone");
        assert_eq!(
            app.get("/v1/admin/jobs", &token).await.status(),
            StatusCode::FORBIDDEN
        );
        let r = app
            .post(&format!("/v1/admin/jobs/{id}/retry"), &token, &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(job_row(&app.pool, "dead-one").await.0, "dead");
}

#[tokio::test]
async fn the_cli_lists_dead_jobs_and_retries_them() {
    let app = spawn_app().await;
    let id = dead_job(&app).await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("SHIKAKU_DATA_DIR", std::env::temp_dir())
            .output()
            .unwrap()
    };
    let out = run(&["jobs", "list", "--state", "dead"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("test.flaky") && text.contains("remote said no"),
        "{text}"
    );
    let out = run(&["jobs", "list", "--state", "nope"]);
    assert!(!out.status.success());
    let out = run(&["jobs", "retry", &id.to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(job_row(&app.pool, "dead-one").await.0, "queued");
}

/// Records the payload of every job it runs.
#[derive(Default)]
struct Recorder {
    seen: std::sync::Mutex<Vec<(String, serde_json::Value)>>,
}

#[async_trait]
impl JobHandler for Recorder {
    fn kind(&self) -> &'static str {
        "test.flaky"
    }
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let mut seen = self.seen.lock().unwrap();
        seen.push((job.dedupe_key.clone(), job.payload.clone()));
        Ok(())
    }
}

#[tokio::test]
async fn a_batch_enqueue_keeps_the_first_of_equal_keys_and_each_job_gets_its_own_payload() {
    let app = spawn_app().await;
    let mut conn = app.pool.acquire().await.unwrap();
    let jobs = [("a", 1), ("b", 2), ("a", 3)]
        .map(|(key, n)| NewJob::new("test.flaky", key, json!({ "n": n })));
    let new = workers::jobs::enqueue_all(&mut conn, &jobs).await.unwrap();
    assert_eq!(new, 2, "the second `a` is the same job");
    let again = workers::jobs::enqueue_all(&mut conn, &jobs[..1])
        .await
        .unwrap();
    assert_eq!(again, 0);
    drop(conn);
    let handler = Arc::new(Recorder::default());
    let worker = Worker::new(app.pool.clone(), vec![handler.clone()], options());
    drain(&worker, &app.pool).await;
    let mut seen = handler.seen.lock().unwrap().clone();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        vec![
            ("a".to_owned(), json!({ "n": 1 })),
            ("b".to_owned(), json!({ "n": 2 }))
        ]
    );
}
