//! One attempt of a batch of jobs of one kind: run by the kind's handler
//! together, under one lease renewal, each job's outcome its own.

use std::collections::HashMap;

use chrono::Utc;
use tracing::Instrument;

use super::{backoff, JobError, Worker};
use crate::jobs::{self, Finish, Job};

/// A batch size for kinds that share work between their jobs: enough to
/// share a query and a write among many, few enough that one slow job holds
/// back little.
pub const BATCH: usize = 64;

/// The jobs of one claim grouped by kind, each kind in claim order and in
/// groups of at most `size(kind)` (at least 1), each job with its slot.
pub(super) fn by_kind<P>(
    jobs: Vec<Job>,
    slots: impl Iterator<Item = P>,
    size: impl Fn(&str) -> usize,
) -> Vec<Vec<(Job, P)>> {
    let mut kinds: HashMap<String, Vec<Vec<(Job, P)>>> = HashMap::new();
    for (job, slot) in jobs.into_iter().zip(slots) {
        let cap = size(&job.kind).max(1);
        let groups = kinds.entry(job.kind.clone()).or_default();
        match groups.last_mut() {
            Some(group) if group.len() < cap => group.push((job, slot)),
            _ => groups.push(vec![(job, slot)]),
        }
    }
    kinds.into_values().flatten().collect()
}

impl Worker {
    /// Runs jobs of one kind this worker claimed; returns how to record each
    /// one's outcome, in order.
    pub(super) async fn attempt(&self, jobs: &[Job]) -> Vec<Finish> {
        let Some(kind) = jobs.first().map(|j| j.kind.as_str()) else {
            return Vec::new();
        };
        let handler = self.handlers.get(kind);
        // A job over its attempts is one whose last worker died holding the
        // lease: it is not run again.
        let expired = |j: &Job| j.attempts > j.max_attempts;
        let due: Vec<Job> = jobs.iter().filter(|j| !expired(j)).cloned().collect();
        let mut outcomes = match handler {
            Some(handler) if !due.is_empty() => {
                let span = tracing::info_span!("jobs", kind, jobs = due.len());
                self.run_with_lease(handler.as_ref(), &due)
                    .instrument(span)
                    .await
            }
            _ => Vec::new(),
        }
        .into_iter();
        jobs.iter()
            .map(|job| {
                if expired(job) {
                    return Finish::Dead("the last attempt did not finish (lease expired)".into());
                }
                let outcome = match handler {
                    None => Err(JobError::Permanent(format!("no handler for {kind}"))),
                    Some(_) => outcomes.next().unwrap_or_else(|| {
                        Err(JobError::Retry("the handler gave no outcome".into()))
                    }),
                };
                self.outcome(job, outcome)
            })
            .collect()
    }

    /// Runs the batch once a task is free, renewing the leases of all its
    /// jobs while it waits and while it runs.
    async fn run_with_lease(
        &self,
        handler: &dyn super::JobHandler,
        jobs: &[Job],
    ) -> Vec<Result<(), JobError>> {
        let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
        let renew = self.options.lease / 3;
        let run = async {
            let _task = self.tasks.acquire().await;
            handler.run_batch(jobs).await
        };
        tokio::pin!(run);
        loop {
            tokio::select! {
                outcomes = &mut run => return outcomes,
                _ = tokio::time::sleep(renew) => {
                    let lease = self.options.lease.as_secs_f64();
                    if let Err(e) = jobs::extend(&self.pool, &ids, &self.id, lease).await {
                        tracing::warn!(jobs = ?ids, error = %e, "cannot renew the leases");
                    }
                }
            }
        }
    }

    fn outcome(&self, job: &Job, outcome: Result<(), JobError>) -> Finish {
        match outcome {
            Ok(()) => {
                tracing::debug!(job = job.id, kind = %job.kind, "job succeeded");
                Finish::Succeeded
            }
            Err(JobError::Permanent(e)) => {
                tracing::error!(job = job.id, kind = %job.kind, error = %e, "job failed for good");
                Finish::Dead(e)
            }
            Err(JobError::Retry(e)) if job.attempts >= job.max_attempts => {
                tracing::error!(job = job.id, kind = %job.kind, error = %e, "job dead after its last attempt");
                Finish::Dead(e)
            }
            Err(JobError::Retry(e)) => {
                let delay = backoff(self.options.backoff_base, job.attempts);
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, ?delay, "job failed; will retry");
                let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                Finish::RetryAt(at, e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: i64, kind: &str) -> Job {
        Job {
            id,
            kind: kind.into(),
            dedupe_key: id.to_string(),
            payload: serde_json::Value::Null,
            attempts: 1,
            max_attempts: 3,
        }
    }

    #[test]
    fn a_claim_is_split_by_kind_in_order_and_capped() {
        let mut jobs: Vec<Job> = (0..(BATCH as i64 + 2)).map(|i| job(i, "mail")).collect();
        jobs.insert(1, job(1000, "checkout"));
        jobs.insert(2, job(1001, "checkout"));
        let slots = jobs.iter().map(|j| j.id);
        let size = |kind: &str| if kind == "mail" { BATCH } else { 1 };
        let mut groups: Vec<Vec<i64>> = by_kind(jobs.clone(), slots, size)
            .into_iter()
            .map(|g| {
                assert!(g
                    .iter()
                    .all(|(j, slot)| j.id == *slot && j.kind == g[0].0.kind));
                g.into_iter().map(|(j, _)| j.id).collect()
            })
            .collect();
        groups.sort_by_key(|g| (g.len(), g[0]));
        let mails: Vec<i64> = (0..BATCH as i64).collect();
        assert_eq!(
            groups,
            [
                vec![1000],
                vec![1001],
                vec![BATCH as i64, BATCH as i64 + 1],
                mails
            ]
        );
    }
}
