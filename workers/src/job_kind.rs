//! Typed job kinds, after River's `JobArgs` and `Worker`: each kind is a type
//! that names itself and its attempt limit and is the job's payload, so the
//! producer that enqueues it and the handler that runs it cannot disagree on
//! the payload's shape, and the payload is decoded once, here, for every kind.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use crate::jobs::{Job, NewJob};
use crate::worker::{job_span, JobError, JobHandler};

/// The arguments of one job kind: serialized, they are the job's payload.
pub trait JobArgs: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind's name in the `jobs` table (stored: never rename one).
    const KIND: &'static str;
    /// Attempts before a job of this kind is dead.
    const MAX_ATTEMPTS: i32 = 10;

    /// The job to enqueue for these arguments, identified by `dedupe_key`
    /// within the kind; due now.
    fn job(&self, dedupe_key: impl Into<String>) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob {
            kind: Self::KIND,
            dedupe_key: dedupe_key.into(),
            payload: serde_json::to_value(self)?,
            run_at: None,
            max_attempts: Self::MAX_ATTEMPTS,
        })
    }
}

/// Runs the jobs of one kind, given their decoded arguments; every `Work` is
/// a [`JobHandler`] for the worker.
#[async_trait]
pub trait Work: Send + Sync {
    /// The kind this runs.
    type Args: JobArgs;

    /// Runs one attempt; `job` carries the dedupe key and the attempt count.
    async fn work(&self, args: Self::Args, job: &Job) -> Result<(), JobError>;

    /// The most jobs one [`Work::work_batch`] call takes (see
    /// [`JobHandler::batch_size`]); 1 unless the kind shares work.
    fn batch_size(&self) -> usize {
        1
    }

    /// Runs one attempt of each job, given its decoded arguments; one
    /// outcome per job, in order (see [`JobHandler::run_batch`]). By default
    /// each runs on its own, all at once.
    async fn work_batch(&self, jobs: Vec<(Self::Args, &Job)>) -> Vec<Result<(), JobError>> {
        let runs = jobs
            .into_iter()
            .map(|(args, job)| self.work(args, job).instrument(job_span(job)));
        futures_util::future::join_all(runs).await
    }
}

#[async_trait]
impl<W: Work> JobHandler for W {
    fn kind(&self) -> &'static str {
        W::Args::KIND
    }

    fn batch_size(&self) -> usize {
        Work::batch_size(self)
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let args = decode::<W::Args>(&job.payload)?;
        self.work(args, job).await
    }

    /// A job whose payload does not decode is dead; the others go to
    /// [`Work::work_batch`] together.
    async fn run_batch(&self, jobs: &[Job]) -> Vec<Result<(), JobError>> {
        let mut undecodable = Vec::with_capacity(jobs.len());
        let mut decoded = Vec::with_capacity(jobs.len());
        for job in jobs {
            match decode::<W::Args>(&job.payload) {
                Ok(args) => {
                    decoded.push((args, job));
                    undecodable.push(None);
                }
                Err(e) => undecodable.push(Some(e)),
            }
        }
        let mut worked = self.work_batch(decoded).await.into_iter();
        undecodable
            .into_iter()
            .map(|bad| match bad {
                Some(e) => Err(e),
                None => worked
                    .next()
                    .unwrap_or_else(|| Err(JobError::Retry("the batch gave no outcome".into()))),
            })
            .collect()
    }
}

/// A payload that does not decode never will: the job is dead at once.
fn decode<A: JobArgs>(payload: &serde_json::Value) -> Result<A, JobError> {
    A::deserialize(payload).map_err(|e| JobError::Permanent(format!("bad payload: {e}")))
}

#[cfg(test)]
mod tests;
