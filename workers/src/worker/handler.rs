//! What a job kind plugs into the worker: its handler, and how an attempt
//! fails.

use async_trait::async_trait;
use tracing::Instrument;

use crate::jobs::Job;

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a remote service is down, a conflict).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed; the job is dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    /// A retryable failure from anything displayable.
    pub fn retry(e: impl std::fmt::Display) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// Runs the jobs of one kind. Its effect is a command on an aggregate or a
/// call to a remote service that is idempotent per job.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// The kind this handler runs.
    fn kind(&self) -> &'static str;
    /// Runs one attempt.
    async fn run(&self, job: &Job) -> Result<(), JobError>;
    /// The most jobs the worker hands to one [`JobHandler::run_batch`] call.
    /// 1 by default: each job then runs in a task of its own, so the jobs'
    /// work spreads over every core and each frees its slot when it ends. A
    /// kind that shares work between its jobs says how many it takes.
    fn batch_size(&self) -> usize {
        1
    }
    /// Runs one attempt of each job, all of this kind; one outcome per job,
    /// in order. A kind that can share work between its jobs (one query for
    /// all, one write for all) does it here; by default each runs on its
    /// own, all at once.
    async fn run_batch(&self, jobs: &[Job]) -> Vec<Result<(), JobError>> {
        let runs = jobs
            .iter()
            .map(|job| self.run(job).instrument(job_span(job)));
        futures_util::future::join_all(runs).await
    }
}

/// The span one job's attempt runs in.
pub(crate) fn job_span(job: &Job) -> tracing::Span {
    tracing::info_span!("job", kind = %job.kind, job = job.id, attempt = job.attempts)
}
