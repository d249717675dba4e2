//! The mail job: sends one rendered notice with its stable Message-ID and
//! records the delivery once the SMTP server has accepted it. A recorded
//! message is never sent again; a crash between the acceptance and the record
//! sends it once more, with the same Message-ID, so mail clients and relays
//! that deduplicate by Message-ID show it once.

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

    async fn work(&self, p: MailNotice, job: &Job) -> Result<(), JobError> {
        let sent: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM notification_deliveries WHERE message_id = $1)",
        )
        .bind(&p.message_id)
        .fetch_one(&self.pool)
        .await
        .map_err(JobError::retry)?;
        if sent {
            tracing::info!(message_id = %p.message_id, "already sent; not sending again");
            return Ok(());
        }
        let mail = Mail {
            message_id: p.message_id.clone(),
            to: p.to,
            subject: p.subject,
            body: p.body,
            language: p.language,
        };
        match self.mailer.send(&mail).await {
            Ok(()) => {}
            Err(e @ MailError::Message(_)) => return Err(JobError::Permanent(e.to_string())),
            Err(e @ MailError::Refused(_)) if job.attempts >= REFUSED_ATTEMPTS => {
                return Err(JobError::Permanent(e.to_string()))
            }
            Err(e) => return Err(JobError::retry(e)),
        }
        // Recorded only now: if this fails the job runs again and resends
        // with the same Message-ID (see the README). The commit does not wait
        // for its WAL flush: only a database crash in the next moments can
        // lose the record, and then it loses the job's outcome too (recorded
        // later, so flushed later), the job runs again and the mail goes out
        // once more with the same Message-ID, as after a crash before the
        // record. The wait was the longest part of a mail job.
        sqlx::query(
            "WITH s AS (SELECT set_config('synchronous_commit', 'off', true))
             INSERT INTO notification_deliveries (message_id, transport)
             SELECT $1, $2 FROM s
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(&p.message_id)
        .bind(self.transport())
        .execute(&self.pool)
        .await
        .map_err(JobError::retry)?;
        tracing::info!(message_id = %p.message_id, transport = self.transport(), "notice mailed");
        Ok(())
    }
}
