//! The mail batch job: the notices one inbox write queued, mailed by one job.
//!
//! A job costs four rows when it is queued and two updates while it runs,
//! whatever it does; one job a notice made the queue the largest part of
//! the cascade's database time. The inbox queues one `notification.mails`
//! job for up to [`BATCH`] notices instead. The job sends them as the mail
//! job does (those already sent are skipped, each accepted message is
//! recorded), and a notice that could not be sent gets a `notification.mail`
//! job of its own, keyed by its Message-ID: its retries, its backoff and its
//! death are its own, as before, and an operator sees each failed message.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::job::{MailNotice, NotificationJob};
use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue_all, Job};
use crate::worker::{JobError, BATCH};

/// Mails the inbox's notices `message_ids`: `notification.mails`, keyed by
/// the first Message-ID and the count ([`MailBatch::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailBatch {
    pub message_ids: Vec<String>,
}

impl MailBatch {
    /// The batches for these Message-IDs, at most [`BATCH`] each, in order.
    pub fn of(message_ids: Vec<String>) -> Vec<Self> {
        message_ids
            .chunks(BATCH)
            .map(|ids| Self {
                message_ids: ids.to_vec(),
            })
            .collect()
    }

    /// The job's key: a replay that writes the same notices again in the
    /// same batches queues nothing new (and one that batches them otherwise
    /// finds them sent).
    pub fn key(&self) -> String {
        let first = self.message_ids.first().map_or("", String::as_str);
        format!("{first}+{}", self.message_ids.len())
    }
}

impl JobArgs for MailBatch {
    const KIND: &'static str = "notification.mails";
    /// Only the look-up, the record and the hand-over of failed messages to
    /// their own jobs can fail the batch; as patient as a mail.
    const MAX_ATTEMPTS: i32 = MailNotice::MAX_ATTEMPTS;
}

/// Runs `notification.mails` jobs through the mail job's sending.
pub struct MailBatchJob {
    mail: Arc<NotificationJob>,
}

impl MailBatchJob {
    /// A handler sending as `mail` does.
    pub fn new(mail: Arc<NotificationJob>) -> Self {
        Self { mail }
    }
}

#[async_trait]
impl Work for MailBatchJob {
    type Args = MailBatch;

    /// A claim's batches are sent together: one look-up, one hand-over and
    /// one record, and a message in two of them (a rebuilt inbox queues its
    /// notices again) is sent once.
    fn batch_size(&self) -> usize {
        8
    }

    async fn work(&self, batch: MailBatch, job: &Job) -> Result<(), JobError> {
        let outcomes = self.work_batch(vec![(batch, job)]).await;
        outcomes.into_iter().next().unwrap_or(Ok(()))
    }

    async fn work_batch(&self, jobs: Vec<(MailBatch, &Job)>) -> Vec<Result<(), JobError>> {
        let mut ids: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for id in jobs.iter().flat_map(|(b, _)| &b.message_ids) {
            if seen.insert(id.as_str()) {
                ids.push(id.clone());
            }
        }
        let all = |outcome: Result<(), JobError>| -> Vec<Result<(), JobError>> {
            jobs.iter()
                .map(|_| match &outcome {
                    Ok(()) => Ok(()),
                    Err(e) => Err(JobError::retry(e)),
                })
                .collect()
        };
        all(self.send(ids).await)
    }
}

impl MailBatchJob {
    /// Sends the messages, each on its first try (a refusal is final only in
    /// its own job), and gives each that failed a job of its own.
    async fn send(&self, ids: Vec<String>) -> Result<(), JobError> {
        let notices = ids
            .iter()
            .map(|id| (MailNotice::of(id.clone()), 1))
            .collect();
        let outcomes = self.mail.send(notices).await;
        let mut failed = Vec::new();
        for (id, outcome) in ids.into_iter().zip(outcomes) {
            if let Err(e) = outcome {
                tracing::warn!(message_id = %id, error = %e, "mail not sent; it gets a job of its own");
                failed.push(
                    MailNotice::of(id.clone())
                        .job(id)
                        .map_err(JobError::retry)?,
                );
            }
        }
        if failed.is_empty() {
            return Ok(());
        }
        // Those sent are recorded: if this fails, the batches run again and
        // send only the others.
        let mut conn = self.mail.pool().acquire().await.map_err(JobError::retry)?;
        enqueue_all(&mut conn, &failed)
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}
