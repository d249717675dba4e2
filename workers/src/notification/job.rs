//! The mail job: sends one rendered notice with its stable Message-ID and
//! records the delivery once the SMTP server has accepted it. A recorded
//! message is never sent again; a crash between the acceptance and the record
//! sends it once more, with the same Message-ID, so mail clients and relays
//! that deduplicate by Message-ID show it once.
//!
//! The worker hands over the mail jobs of a claim together: one query finds
//! those already sent, the others are sent at once (the outbox's files in one
//! blocking task), and one statement records every message accepted. That is
//! the same order per message, so the same guarantee: a crash or a failed
//! record after the sends sends the batch's accepted messages once more, each
//! with its Message-ID. A message that cannot be sent fails its own job only;
//! the others are recorded and succeed.

use std::collections::HashSet;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::mailer::{Mail, MailError, Mailer};
use crate::job_kind::{JobArgs, Work};
use crate::jobs::Job;
use crate::worker::JobError;

/// A refused message (5xx) is tried this many times in all, then it is dead.
pub const REFUSED_ATTEMPTS: i32 = 3;

/// Mails one notice as rendered for the inbox: `notification.mail`, keyed
/// by its Message-ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailNotice {
    pub message_id: String,
    pub to: String,
    pub language: String,
    pub subject: String,
    pub body: String,
}

impl JobArgs for MailNotice {
    const KIND: &'static str = "notification.mail";
    /// With the doubling backoff (capped at an hour) a relay may be down for
    /// about five hours. A refusal (5xx) gives up after [`REFUSED_ATTEMPTS`].
    const MAX_ATTEMPTS: i32 = 16;
}

/// Runs `notification.mail` jobs.
pub struct NotificationJob {
    pool: PgPool,
    mailer: Mailer,
}

impl NotificationJob {
    /// A handler sending through `mailer`.
    pub fn new(pool: PgPool, mailer: Mailer) -> Self {
        Self { pool, mailer }
    }

    fn transport(&self) -> &'static str {
        match self.mailer {
            Mailer::Smtp { .. } => "smtp",
            Mailer::Outbox { .. } => "outbox",
        }
    }
}

#[async_trait]
impl Work for NotificationJob {
    type Args = MailNotice;

    /// One query, one directory sync and one insert serve the whole batch.
    fn batch_size(&self) -> usize {
        crate::worker::BATCH
    }

    async fn work(&self, p: MailNotice, job: &Job) -> Result<(), JobError> {
        let outcomes = self.work_batch(vec![(p, job)]).await;
        outcomes.into_iter().next().unwrap_or(Ok(()))
    }

    async fn work_batch(&self, jobs: Vec<(MailNotice, &Job)>) -> Vec<Result<(), JobError>> {
        let ids: Vec<&str> = jobs.iter().map(|(p, _)| p.message_id.as_str()).collect();
        let sent: HashSet<String> = match sqlx::query_scalar(
            "SELECT message_id FROM notification_deliveries WHERE message_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        {
            Ok(sent) => sent.into_iter().collect(),
            Err(e) => return jobs.iter().map(|_| Err(JobError::retry(&e))).collect(),
        };
        let mut outcomes: Vec<Result<(), JobError>> = jobs.iter().map(|_| Ok(())).collect();
        let mut pending = Vec::new();
        let mut mails = Vec::new();
        for (i, (p, job)) in jobs.into_iter().enumerate() {
            if sent.contains(&p.message_id) {
                tracing::info!(message_id = %p.message_id, "already sent; not sending again");
                continue;
            }
            pending.push((i, job.attempts));
            mails.push(Mail {
                message_id: p.message_id,
                to: p.to,
                subject: p.subject,
                body: p.body,
                language: p.language,
            });
        }
        let mut accepted = Vec::new();
        let handed_over = self.mailer.send_all(&mails).await;
        for ((i, attempts), (mail, result)) in
            pending.into_iter().zip(mails.iter().zip(handed_over))
        {
            match result {
                Ok(()) => accepted.push((i, mail.message_id.as_str())),
                Err(e) => outcomes[i] = Err(failure(e, attempts)),
            }
        }
        if accepted.is_empty() {
            return outcomes;
        }
        let ids: Vec<&str> = accepted.iter().map(|(_, id)| *id).collect();
        // Recorded only now: if this fails the jobs run again and resend with
        // the same Message-IDs (see the README). The commit does not wait for
        // its WAL flush: only a database crash in the next moments can lose
        // the record, and then it loses the jobs' outcomes too (recorded
        // later, so flushed later), the jobs run again and the mail goes out
        // once more with the same Message-IDs, as after a crash before the
        // record. The wait was the longest part of a mail job.
        let recorded = sqlx::query(
            "WITH s AS (SELECT set_config('synchronous_commit', 'off', true))
             INSERT INTO notification_deliveries (message_id, transport)
             SELECT m, $2 FROM s, unnest($1::text[]) AS m
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(&ids)
        .bind(self.transport())
        .execute(&self.pool)
        .await;
        for (i, message_id) in accepted {
            outcomes[i] = match &recorded {
                Ok(_) => {
                    tracing::info!(%message_id, transport = self.transport(), "notice mailed");
                    Ok(())
                }
                Err(e) => Err(JobError::retry(e)),
            };
        }
        outcomes
    }
}

/// How a message not handed over fails its job: an unusable message and a
/// refusal repeated [`REFUSED_ATTEMPTS`] times for good, the rest for now.
fn failure(e: MailError, attempts: i32) -> JobError {
    match e {
        e @ MailError::Message(_) => JobError::Permanent(e.to_string()),
        e @ MailError::Refused(_) if attempts >= REFUSED_ATTEMPTS => {
            JobError::Permanent(e.to_string())
        }
        e => JobError::retry(e),
    }
}
