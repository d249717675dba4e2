//! The checkout batch job: the checkouts one batch of events called for,
//! opened by one job.
//!
//! A job costs the queue the same row writes however much it does, so one
//! job a case made the queue a large part of the cascade's database time.
//! `payment_jobs` queues one `payment.checkouts` job for up to [`BATCH`]
//! cases instead; it opens them as the checkout job does (a case that no
//! longer needs a checkout is skipped, the gateway call is idempotent per
//! case and fee), and a case it could not serve gets a `payment.checkout`
//! job of its own under the key it would have had: its retries, its backoff
//! and its death are its own, as before.

use std::collections::HashSet;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::checkout::CheckoutHandler;
use super::jobs::OpenCheckout;
use crate::cases::CaseRef;
use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue_all, Job};
use crate::worker::{JobError, BATCH};

/// A case's checkout in a batch, with the key of its own job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedCheckout {
    #[serde(flatten)]
    pub case: CaseRef,
    /// The event's key (`case id:sequence`), its own job's if it needs one.
    pub key: String,
}

/// Opens the checkouts of `checkouts`: `payment.checkouts`, keyed by the
/// first one's key and the count ([`CheckoutBatch::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutBatch {
    pub checkouts: Vec<QueuedCheckout>,
}

impl CheckoutBatch {
    /// The batches for these checkouts, at most [`BATCH`] each, in order.
    pub fn of(checkouts: Vec<QueuedCheckout>) -> Vec<Self> {
        checkouts
            .chunks(BATCH)
            .map(|c| Self {
                checkouts: c.to_vec(),
            })
            .collect()
    }

    /// The job's key: a replay that calls for the same checkouts in the
    /// same batches queues nothing new.
    pub fn key(&self) -> String {
        let first = self.checkouts.first().map_or("", |c| c.key.as_str());
        format!("{first}+{}", self.checkouts.len())
    }
}

impl JobArgs for CheckoutBatch {
    const KIND: &'static str = "payment.checkouts";
    const MAX_ATTEMPTS: i32 = OpenCheckout::MAX_ATTEMPTS;
}

/// Runs `payment.checkouts` jobs through the checkout job's opening.
pub struct CheckoutBatchHandler {
    checkout: CheckoutHandler,
    pool: PgPool,
}

impl CheckoutBatchHandler {
    /// A handler opening as `checkout` does, queueing on `pool` the jobs of
    /// the cases it could not serve.
    pub fn new(checkout: CheckoutHandler, pool: PgPool) -> Self {
        Self { checkout, pool }
    }
}

#[async_trait]
impl Work for CheckoutBatchHandler {
    type Args = CheckoutBatch;

    /// A claim's batches are opened together: one read of the cases, one
    /// commit, and a case in two of them served once.
    fn batch_size(&self) -> usize {
        8
    }

    async fn work(&self, batch: CheckoutBatch, job: &Job) -> Result<(), JobError> {
        let outcomes = self.work_batch(vec![(batch, job)]).await;
        outcomes.into_iter().next().unwrap_or(Ok(()))
    }

    async fn work_batch(&self, jobs: Vec<(CheckoutBatch, &Job)>) -> Vec<Result<(), JobError>> {
        let mut seen = HashSet::new();
        let checkouts: Vec<QueuedCheckout> = jobs
            .iter()
            .flat_map(|(b, _)| &b.checkouts)
            .filter(|c| seen.insert((c.case.case_type, c.case.case_id.clone())))
            .cloned()
            .collect();
        let outcome = self.open(checkouts).await;
        jobs.iter()
            .map(|_| match &outcome {
                Ok(()) => Ok(()),
                Err(e) => Err(JobError::retry(e)),
            })
            .collect()
    }
}

impl CheckoutBatchHandler {
    /// Opens the checkouts and gives each case that failed a job of its own.
    async fn open(&self, checkouts: Vec<QueuedCheckout>) -> Result<(), JobError> {
        let cases = checkouts.iter().map(|c| c.case.clone()).collect();
        let outcomes = self.checkout.open_all(cases).await;
        let mut failed = Vec::new();
        for (c, outcome) in checkouts.into_iter().zip(outcomes) {
            if let Err(e) = outcome {
                tracing::warn!(case = %c.case.case_id, error = %e, "checkout not opened; it gets a job of its own");
                let job = OpenCheckout { case: c.case }.job(c.key);
                failed.push(job.map_err(JobError::retry)?);
            }
        }
        if failed.is_empty() {
            return Ok(());
        }
        // The checkouts opened are recorded: if this fails, the batches run
        // again and skip them.
        let mut conn = self.pool.acquire().await.map_err(JobError::retry)?;
        enqueue_all(&mut conn, &failed)
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}
