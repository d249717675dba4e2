//! The job queue's own rate: `--jobs N` enqueues N jobs of a kind that does
//! nothing and times one process draining them with the default concurrency,
//! next to the same-run pgbench rate. What is measured is the queue (claim,
//! lease, finish), not a handler: the figure is the ceiling every job kind
//! shares. `shikaku bench jobs` runs only this and the pgbench baseline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::watch;
use workers::jobs::enqueue_all;
use workers::{Job, JobError, JobHandler, NewJob, Worker, WorkerOptions};

use super::pgbench::pgbench;
use super::{fresh_database, server_url, BenchArgs, BoxError};
use crate::Settings;

/// The bench's kind; no worker of the application has a handler for it.
const KIND: &str = "bench.noop";
/// Jobs per enqueue statement (a subscription's batch enqueues about as many).
const CHUNK: usize = 5_000;

/// Runs no code: counts its runs.
struct NoOp(Arc<AtomicUsize>);

#[async_trait]
impl JobHandler for NoOp {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// `shikaku bench jobs`: a fresh database, the pgbench baseline, then the
/// drain of `--jobs` (100,000 when not given) no-op jobs.
pub async fn run(settings: Settings, args: BenchArgs) -> Result<(), BoxError> {
    let (server, _embedded) = server_url(&settings).await?;
    let url = fresh_database(&server, "shikaku_bench_jobs").await?;
    let concurrency = settings.worker_concurrency;
    let pool = eventstore::db::connect(&url, (concurrency as u32 + 4).max(8)).await?;
    eventstore::db::migrate(&pool).await?;
    println!(
        "== pgbench baseline: select events + insert event + upsert view row, {} clients, {} s",
        args.clients, args.seconds
    );
    let simple = pgbench(&pool, &url, args.clients, args.seconds, "simple").await?;
    let prepared = pgbench(&pool, &url, args.clients, args.seconds, "prepared").await?;
    println!("pgbench tps: {simple:.1} (simple protocol), {prepared:.1} (prepared)");
    let jobs = if args.jobs > 0 { args.jobs } else { 100_000 };
    drain_rate(&pool, jobs, concurrency, simple.max(prepared)).await
}

/// Enqueues `jobs` no-op jobs, then times one worker of `concurrency` slots
/// draining them; prints jobs/s, its ratio to `pgbench_tps` and how many of
/// the jobs table's updates were HOT.
pub async fn drain_rate(
    pool: &sqlx::PgPool,
    jobs: usize,
    concurrency: usize,
    pgbench_tps: f64,
) -> Result<(), BoxError> {
    println!("== job queue: {jobs} no-op jobs drained by one worker, {concurrency} slots");
    let started = Instant::now();
    for first in (0..jobs).step_by(CHUNK) {
        let batch: Vec<NewJob> = (first..jobs.min(first + CHUNK))
            .map(|n| NewJob::new(KIND, format!("bench-{n}"), serde_json::json!({ "n": n })))
            .collect();
        let mut tx = pool.begin().await?;
        enqueue_all(&mut tx, &batch).await?;
        tx.commit().await?;
    }
    println!(
        "enqueued in {:.1} s ({:.0} jobs/s)",
        started.elapsed().as_secs_f64(),
        jobs as f64 / started.elapsed().as_secs_f64()
    );
    // The claims should see fresh statistics, as after autovacuum.
    sqlx::query("ANALYZE").execute(pool).await?;
    let before = table_updates(pool).await?;

    let runs = Arc::new(AtomicUsize::new(0));
    let options = WorkerOptions {
        concurrency,
        ..WorkerOptions::default()
    };
    let worker = Worker::new(pool.clone(), vec![Arc::new(NoOp(runs.clone()))], options);
    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let task = tokio::spawn(worker.run(stopped));
    while runs.load(Ordering::Relaxed) < jobs {
        if started.elapsed() > Duration::from_secs(600) {
            return Err(format!(
                "only {} jobs ran in 10 minutes",
                runs.load(Ordering::Relaxed)
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ran = started.elapsed().as_secs_f64();
    // Every outcome recorded: the worker records them before it stops.
    stop.send(true)?;
    task.await?;
    let recorded = started.elapsed().as_secs_f64();
    let open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = $1 AND state <> 'succeeded'")
            .bind(KIND)
            .fetch_one(pool)
            .await?;
    if open > 0 {
        return Err(format!("{open} bench jobs were not recorded as succeeded").into());
    }
    let rate = jobs as f64 / recorded;
    println!(
        "drained in {recorded:.2} s (all run after {ran:.2} s): {rate:.0} jobs/s = ratio {:.2} of pgbench tps",
        rate / pgbench_tps
    );
    // Other backends report their counts when idle, at most a second later.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let after = table_updates(pool).await?;
    for ((table, upd, hot), (_, upd0, hot0)) in after.iter().zip(&before) {
        let (upd, hot) = (upd - upd0, hot - hot0);
        println!(
            "  {table:<10} updates {upd:>8}, HOT {hot:>8} ({:.0}%)",
            100.0 * hot as f64 / (upd.max(1)) as f64
        );
    }
    Ok(())
}

/// (table, n_tup_upd, n_tup_hot_upd) of the queue's tables.
async fn table_updates(pool: &sqlx::PgPool) -> Result<Vec<(String, i64, i64)>, BoxError> {
    Ok(sqlx::query_as(
        "SELECT relname::text, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables
         WHERE relname IN ('jobs', 'job_queue') ORDER BY relname",
    )
    .fetch_all(pool)
    .await?)
}
