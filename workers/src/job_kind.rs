//! Typed job kinds, after River's `JobArgs` and `Worker`: each kind is a type
//! that names itself and its attempt limit and is the job's payload, so the
//! producer that enqueues it and the handler that runs it cannot disagree on
//! the payload's shape, and the payload is decoded once, here, for every kind.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::jobs::{Job, NewJob};
use crate::worker::{JobError, JobHandler};

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
}

#[async_trait]
impl<W: Work> JobHandler for W {
    fn kind(&self) -> &'static str {
        W::Args::KIND
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let args = decode::<W::Args>(&job.payload)?;
        self.work(args, job).await
    }
}

/// A payload that does not decode never will: the job is dead at once.
fn decode<A: JobArgs>(payload: &serde_json::Value) -> Result<A, JobError> {
    A::deserialize(payload).map_err(|e| JobError::Permanent(format!("bad payload: {e}")))
}

#[cfg(test)]
mod tests;
