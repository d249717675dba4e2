//! How many jobs a worker runs at once: every free slot, never more, a
//! half of them while requests wait for answers, and no more handler
//! tasks than it may run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use eventstore::pressure::Pressure;
use workers::{Job, JobError, JobHandler, Worker};

use crate::common::{spawn_app, TestApp};
use crate::jobs::{add, options};

/// Counts the jobs running at once, and the most there ever were.
#[derive(Default)]
struct Slow {
    now: AtomicUsize,
    most: AtomicUsize,
    runs: AtomicUsize,
}

#[async_trait]
impl JobHandler for Slow {
    fn kind(&self) -> &'static str {
        "test.flaky"
    }
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Runs twelve slow jobs on a worker with `concurrency` slots, set up by
/// `setup`, until all are done; returns the most that ran at once.
async fn most_at_once(
    app: &TestApp,
    concurrency: usize,
    setup: impl FnOnce(Worker) -> Worker,
) -> usize {
    for i in 0..12 {
        add(&app.pool, &format!("slow-{i}"), 3).await;
    }
    let handler = Arc::new(Slow::default());
    let mut opts = options();
    opts.concurrency = concurrency;
    let worker = setup(Worker::new(app.pool.clone(), vec![handler.clone()], opts));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(worker.run(stopped));
    for _ in 0..400 {
        if handler.runs.load(Ordering::SeqCst) == 12 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    runner.await.unwrap();
    assert_eq!(handler.runs.load(Ordering::SeqCst), 12);
    let done: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        done, 12,
        "every outcome is recorded before the worker stops"
    );
    handler.most.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_worker_fills_its_free_slots_and_never_runs_more_jobs_than_it_has() {
    let app = spawn_app().await;
    assert_eq!(
        most_at_once(&app, 4, |w| w).await,
        4,
        "the four slots run at once, and never more"
    );
}

#[tokio::test]
async fn while_requests_wait_a_worker_runs_a_share_of_its_slots() {
    let app = spawn_app().await;
    let pressure = Pressure::new(1);
    let _request = pressure.enter();
    assert_eq!(
        most_at_once(&app, 8, |w| w.with_pressure(pressure.clone())).await,
        8 / workers::BUSY_SHARE,
        "four of eight slots while a request is in flight"
    );
}

#[tokio::test]
async fn a_worker_runs_no_more_handler_tasks_than_it_may_whatever_its_slots() {
    let app = spawn_app().await;
    assert_eq!(
        most_at_once(&app, 8, |w| w.with_tasks(3)).await,
        3,
        "three tasks for eight slots"
    );
}
