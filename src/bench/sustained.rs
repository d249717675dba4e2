//! The sustained phase: the highest constant submit rate at which the lag
//! p99 of every subscription and the job wait p99 both stay under a second,
//! found by bisection between a rate that held and the peak rate. The peak
//! itself is tried second: when it holds, no higher constant rate can be
//! asked of the same clients, and bisecting below it would only approach it.

use std::sync::Arc;
use std::time::Duration;

use eventstore::subscription::LagRecorder;
use workers::payment::sandbox::SandboxSigner;

use super::load::load;
use super::{percentile, BoxError};

/// The p99 both figures must stay under.
const LIMIT_SECONDS: f64 = 1.0;

/// Options of the search.
pub struct Sustained<'a> {
    pub base: &'a str,
    pub token: &'a str,
    pub signer: &'a SandboxSigner,
    pub clients: usize,
    pub seconds: u64,
    pub steps: usize,
    pub peak: f64,
    pub pgbench_tps: f64,
}

/// How one constant rate went.
struct Trial {
    achieved: f64,
    errors: usize,
    failures: Vec<String>,
    worst_lag_p99: f64,
    worst_lag_of: &'static str,
    job_wait_p99: f64,
}

impl Trial {
    fn held(&self) -> bool {
        self.errors == 0 && self.worst_lag_p99 < LIMIT_SECONDS && self.job_wait_p99 < LIMIT_SECONDS
    }
}

/// Seconds the oldest due job has waited (0 when none is due): sampled
/// through a phase, its p99 bounds the job wait p99 from above.
pub(super) async fn oldest_due_age(pool: &sqlx::PgPool) -> Result<f64, workers::WorkerError> {
    Ok(workers::jobs::backlog(pool).await?.1)
}

/// Samples [`oldest_due_age`] five times a second for `seconds`.
pub(super) async fn job_waits(pool: sqlx::PgPool, seconds: u64) -> Vec<f64> {
    let mut ages = Vec::new();
    let end = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while tokio::time::Instant::now() < end {
        if let Ok(age) = oldest_due_age(&pool).await {
            ages.push(age);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ages
}

impl Sustained<'_> {
    async fn trial(
        &self,
        pool: &sqlx::PgPool,
        lag: &Arc<LagRecorder>,
        rate: f64,
    ) -> Result<Trial, BoxError> {
        lag.drain();
        let sampler = tokio::spawn(job_waits(pool.clone(), self.seconds));
        let run = load(
            self.base,
            self.token,
            self.signer,
            self.clients,
            self.seconds,
            Some(rate),
            false,
        )
        .await?;
        let mut ages = sampler.await?;
        let (mut worst_lag_p99, mut worst_lag_of) = (0.0, "");
        for (name, mut samples) in lag.drain_by_subscription() {
            let p99 = percentile(&mut samples, 99.0);
            if p99 > worst_lag_p99 {
                (worst_lag_p99, worst_lag_of) = (p99, name);
            }
        }
        Ok(Trial {
            achieved: run.submits as f64 / run.elapsed,
            errors: run.errors,
            failures: run.failures,
            worst_lag_p99,
            worst_lag_of,
            job_wait_p99: percentile(&mut ages, 99.0),
        })
    }

    /// Tries a tenth of the peak, then the peak, then bisects between the
    /// highest rate that held and the lowest that did not; prints each trial
    /// and the highest rate that held.
    pub async fn run(&self, pool: &sqlx::PgPool, lag: &Arc<LagRecorder>) -> Result<(), BoxError> {
        println!(
            "== sustained: highest constant submit rate with every lag p99 and the job wait p99 under 1 s, {} s a trial",
            self.seconds
        );
        let (mut lo, mut hi) = (self.peak / 10.0, self.peak);
        let mut best = None;
        for step in 0..self.steps {
            let rate = match step {
                0 => lo,
                1 => hi,
                _ => (lo + hi) / 2.0,
            };
            super::wait_for_projections(pool, true).await?;
            let t = self.trial(pool, lag, rate).await?;
            println!(
                "  asked {rate:.0}/s, got {:.0}/s, errors {}: worst lag p99 {:.3} s ({}), job wait p99 {:.3} s: {}",
                t.achieved,
                t.errors,
                t.worst_lag_p99,
                t.worst_lag_of,
                t.job_wait_p99,
                if t.held() { "held" } else { "did not hold" }
            );
            for f in &t.failures {
                println!("    failed: {f}");
            }
            if t.held() {
                best = Some(t.achieved);
                lo = rate;
                if step == 1 {
                    break;
                }
            } else if step == 0 {
                break;
            } else {
                hi = rate;
            }
        }
        match best {
            Some(rate) => println!(
                "sustained: {rate:.0} submits/s = ratio {:.3} of pgbench tps (target >= 1,000/s)",
                rate / self.pgbench_tps
            ),
            None => println!("sustained: no rate tried held"),
        }
        Ok(())
    }
}
