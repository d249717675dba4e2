//! The worker loop: claims due jobs with `FOR UPDATE SKIP LOCKED`, holds a
//! lease while the handler runs, and records the outcome. A failed attempt is
//! retried with exponential backoff and jitter until `max_attempts`, then the
//! job is dead (visible, and re-queueable from the CLI and the admin API).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use eventstore::pressure::{Pressure, Share};

use crate::jobs::{self, Finish, Job, JOBS_CHANNEL};

mod attempt;
mod handler;
use crate::WorkerError;
pub use attempt::BATCH;
pub(crate) use handler::job_span;
pub use handler::{JobError, JobHandler};

/// How long a worker with a backlog waits for more free slots before it
/// claims: long enough for a few jobs to finish, short against a job's life.
const GATHER: Duration = Duration::from_millis(5);

/// While the pressure is high (people wait for answers) a worker runs at
/// most this share of its concurrency (a half). With 64 slots throughout,
/// the drain after a burst left a third of the CPU idle, the slots waiting
/// on claims, commits and file syncs; with 256 throughout the jobs took the
/// CPU the burst's submits needed (issue 25: 1,300 -> 900 submits/s); with
/// a quarter of 256 they fell behind under steady load (the bench's
/// sustained rate: 415/s held, 559/s not; with a half 624/s held).
pub const BUSY_SHARE: usize = 2;

/// How a worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Jobs run at once by this process; while requests wait for answers
    /// (see [`Pressure`]), a [`BUSY_SHARE`] of them.
    pub concurrency: usize,
    /// How long a claim is held before another worker may take the job over;
    /// renewed while the handler runs.
    pub lease: Duration,
    /// The first retry's delay; each further attempt doubles it (capped at an hour).
    pub backoff_base: Duration,
    /// How often to look for due jobs when no notification arrives.
    pub poll: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(60),
            backoff_base: Duration::from_secs(1),
            poll: Duration::from_millis(500),
        }
    }
}

/// Claims and runs jobs of the kinds it has handlers for.
#[derive(Clone)]
pub struct Worker {
    pool: PgPool,
    handlers: Arc<HashMap<&'static str, Arc<dyn JobHandler>>>,
    options: WorkerOptions,
    id: String,
    pressure: Pressure,
    grace: Duration,
    /// Room for the handler tasks running at once (a batch is one task).
    tasks: Arc<Semaphore>,
}

impl Worker {
    /// A worker for these handlers.
    pub fn new(pool: PgPool, handlers: Vec<Arc<dyn JobHandler>>, options: WorkerOptions) -> Self {
        let handlers = handlers.into_iter().map(|h| (h.kind(), h)).collect();
        Self {
            pool,
            handlers: Arc::new(handlers),
            id: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            pressure: Pressure::default(),
            grace: Duration::from_secs(30),
            tasks: Arc::new(Semaphore::new(options.concurrency.max(1))),
            options,
        }
    }

    /// Runs at most `tasks` handler tasks at once (default: one for every
    /// slot). A task holds at most one pooled connection at a time, so this
    /// bounds the connections the jobs take from requests and subscriptions
    /// when statements slow down, whatever the slots; the jobs of a kind that
    /// runs in batches share a task, so many slots need few tasks.
    pub fn with_tasks(mut self, tasks: usize) -> Self {
        self.tasks = Arc::new(Semaphore::new(tasks.max(1)));
        self
    }

    /// How long the jobs running at shutdown may take to finish before they
    /// are stopped and given back to the queue (default 30 s).
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Yields to interactive requests while `pressure` is high: before a
    /// claim, taking turns as [`Share`] says.
    pub fn with_pressure(mut self, pressure: Pressure) -> Self {
        self.pressure = pressure;
        self
    }

    fn kinds(&self) -> Vec<String> {
        self.handlers.keys().map(|k| k.to_string()).collect()
    }

    /// Claims and runs one job; false when none was due.
    pub async fn run_one(&self) -> Result<bool, WorkerError> {
        let lease = self.options.lease.as_secs_f64();
        let Some(job) = jobs::claim(&self.pool, &self.kinds(), &self.id, lease, 1)
            .await?
            .jobs
            .pop()
        else {
            return Ok(false);
        };
        let finish = self.attempt(std::slice::from_ref(&job)).await;
        let outcomes: Vec<_> = std::iter::once(job.id).zip(finish).collect();
        jobs::finish_all(&self.pool, &self.id, &outcomes).await?;
        Ok(true)
    }

    /// Runs until `shutdown` turns true, `concurrency` jobs at a time, waking
    /// on NOTIFY or every poll interval. Jobs are claimed with one statement
    /// for all the free slots; each job runs in a task of its own, except
    /// that the jobs of a kind that shares work run together, up to its
    /// [`JobHandler::batch_size`] in a task, each holding its slot until its
    /// outcome is handed over. On shutdown no
    /// job is claimed any more; the jobs running get the shutdown grace to
    /// finish, and those that do not are stopped and given back at once, so
    /// another worker takes them without waiting for the lease to run out.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut wake = match listen(&self.pool).await {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, "workers cannot listen for jobs; polling only");
                watch::channel(0).1
            }
        };
        let slots = self.options.concurrency.max(1);
        let busy = slots.div_ceil(BUSY_SHARE);
        let free = Arc::new(Semaphore::new(slots));
        // Outcomes handed to the recorder and not yet recorded: a slot is
        // free again as soon as its job's outcome is handed over (the next
        // claim need not wait for the last finish to commit), and no more
        // than `slots` outcomes wait, so the recorder is never left far
        // behind (an outcome recorded late could outlive its lease).
        let unrecorded = Arc::new(Semaphore::new(slots));
        let (done, outcomes) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(record_outcomes(
            self.pool.clone(),
            self.id.clone(),
            outcomes,
        ));
        let mut pause_on_error = Duration::from_millis(100);
        // Whether the last claim took a job for every slot it asked for.
        let mut backlog = false;
        let mut running = JoinSet::new();
        let mut share = Share::new(self.pressure.clone());
        while !*shutdown.borrow() {
            while running.try_join_next().is_some() {}
            // Waiting for a slot must not outlast a shutdown.
            let first = tokio::select! {
                p = free.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                _ = shutdown.wait_for(|stop| *stop) => break,
            };
            // While people wait for answers the jobs get a share of the
            // slots; all of them only while nobody does.
            let limit = if self.pressure.high() { busy } else { slots };
            let in_use = slots - free.available_permits();
            if in_use > limit {
                drop(first);
                tokio::select! {
                    _ = tokio::time::sleep(GATHER) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            // This claim's share: the slots free under the limit.
            let share_of_slots = limit + 1 - in_use;
            let mut permits = vec![first];
            if backlog {
                // More jobs are due: gather a few free slots, so that one
                // claim serves several jobs.
                let gather = tokio::time::sleep(GATHER);
                tokio::pin!(gather);
                while permits.len() < share_of_slots.min(limit.div_ceil(2)) {
                    tokio::select! {
                        p = free.clone().acquire_owned() => match p {
                            Ok(p) => permits.push(p),
                            Err(_) => break,
                        },
                        _ = &mut gather => break,
                    }
                }
            }
            while permits.len() < share_of_slots {
                let Ok(p) = free.clone().try_acquire_owned() else {
                    break;
                };
                permits.push(p);
            }
            share.turn().await;
            if *shutdown.borrow() {
                break;
            }
            let lease = self.options.lease.as_secs_f64();
            let wanted = permits.len();
            let pause = match jobs::claim(&self.pool, &self.kinds(), &self.id, lease, wanted).await
            {
                Ok(jobs::Claimed { jobs, waited }) => {
                    pause_on_error = Duration::from_millis(100);
                    backlog = jobs.len() == wanted;
                    // The next turn yields only while the jobs wait little.
                    share.behind_by(waited);
                    let size = |kind: &str| self.handlers.get(kind).map_or(1, |h| h.batch_size());
                    for batch in attempt::by_kind(jobs, permits.drain(..), size) {
                        let worker = self.clone();
                        let done = done.clone();
                        let unrecorded = unrecorded.clone();
                        running.spawn(async move {
                            let (jobs, permits): (Vec<Job>, Vec<_>) = batch.into_iter().unzip();
                            let finishes = worker.attempt(&jobs).await;
                            for ((job, finish), permit) in jobs.iter().zip(finishes).zip(permits) {
                                // A job's slot is freed once its outcome is
                                // handed to the recorder, which has room for it.
                                let Ok(recording) = unrecorded.clone().acquire_owned().await else {
                                    return;
                                };
                                let _ = done.send(Done {
                                    id: job.id,
                                    finish,
                                    slot: recording,
                                });
                                drop(permit);
                            }
                        });
                    }
                    if backlog {
                        // More may be due: claim again as soon as a slot is free.
                        continue;
                    }
                    self.options.poll
                }
                Err(e) => {
                    backlog = false;
                    tracing::error!(error = %e, "job queue unavailable; retrying");
                    pause_on_error = (pause_on_error * 2).min(Duration::from_secs(10));
                    pause_on_error
                }
            };
            drop(permits);
            tokio::select! {
                _ = wake.changed() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        // The jobs still running hold their slots until their outcomes are
        // handed to the recorder.
        let finished = tokio::time::timeout(self.grace, free.acquire_many(slots as u32)).await;
        if finished.is_err() {
            running.abort_all();
            while running.join_next().await.is_some() {}
        }
        // Outcomes already reported are recorded before anything is given
        // back, so a finished job is never released and run again.
        drop(done);
        let _ = recorder.await;
        if finished.is_err() {
            match release(&self.pool, &self.id).await {
                Ok(n) => tracing::warn!(jobs = n, "jobs still running at shutdown given back"),
                Err(e) => {
                    tracing::error!(error = %e, "cannot give jobs back; their leases will run out")
                }
            }
        }
    }
}

/// An attempt's outcome on its way to the table, with its room among the
/// outcomes not yet recorded.
struct Done {
    id: i64,
    finish: Finish,
    slot: OwnedSemaphorePermit,
}

/// Records outcomes as attempts end: all those that arrived while the last
/// statement ran go in the next one, so that under load one statement (and
/// one commit) records many jobs; and vacuums the queue's table after every
/// [`jobs::VACUUM_EVERY`] jobs recorded.
async fn record_outcomes(pool: PgPool, worker_id: String, mut done: mpsc::UnboundedReceiver<Done>) {
    let mut batch = Vec::new();
    let mut vacuum = jobs::Vacuum::new(pool.clone());
    while done.recv_many(&mut batch, 512).await > 0 {
        let (outcomes, slots): (Vec<(i64, Finish)>, Vec<OwnedSemaphorePermit>) =
            batch.drain(..).map(|d| ((d.id, d.finish), d.slot)).unzip();
        match jobs::finish_all(&pool, &worker_id, &outcomes).await {
            Ok(()) => vacuum.finished(outcomes.len()),
            Err(e) => {
                tracing::error!(error = %e, jobs = outcomes.len(), "cannot record jobs' outcomes; their leases will run out")
            }
        }
        drop(slots);
    }
}

/// Gives back the jobs `worker_id` holds: queued again and due now, the
/// interrupted attempt not counted (it was stopped, it did not fail). They
/// are looked for among the jobs not done, not among every job ever run.
async fn release(pool: &PgPool, worker_id: &str) -> Result<u64, WorkerError> {
    let released = sqlx::query!(
        "UPDATE jobs SET state = 'queued', run_at = now(), attempts = greatest(attempts - 1, 0),
                locked_until = NULL, locked_by = NULL, updated_at = now()
         WHERE locked_by = $1 AND state = 'running'
           AND id IN (SELECT id FROM job_queue WHERE NOT dead)",
        worker_id,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(released)
}

/// `base * 2^(attempt-1)`, capped at an hour, with ±25% jitter so jobs that
/// failed together do not retry together.
pub fn backoff(base: Duration, attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 30) as u32 - 1;
    let raw = base.saturating_mul(2u32.saturating_pow(exp.min(20)));
    let capped = raw.min(Duration::from_secs(3600));
    let jitter = rand::rng().random_range(0.75..1.25);
    capped.mul_f64(jitter)
}

/// A counter that moves on every NOTIFY on the jobs channel (and after a
/// lost connection, which may have missed one), while the worker holds it.
async fn listen(pool: &PgPool) -> Result<watch::Receiver<u64>, WorkerError> {
    let (tx, rx) = watch::channel(0u64);
    eventstore::wake::follow(
        pool,
        JOBS_CHANNEL,
        tx,
        |tx| !tx.is_closed(),
        |_, tx| async move { tx.send_modify(|n| *n += 1) },
    )
    .await?;
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(1);
        for attempt in 1..8 {
            let d = backoff(base, attempt).as_secs_f64();
            let nominal = 2f64.powi(attempt - 1);
            assert!(d >= nominal * 0.75 && d <= nominal * 1.25, "{attempt}: {d}");
        }
        assert!(backoff(base, 40) <= Duration::from_secs(4500));
    }
}
