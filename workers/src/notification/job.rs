//! The mail job: sends one rendered notice with its stable Message-ID and
//! records the delivery once the SMTP server has accepted it. A recorded
//! message is never sent again; a crash between the acceptance and the record
//! sends it once more, with the same Message-ID, so mail clients and relays
//! that deduplicate by Message-ID show it once.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::mailer::{Mail, MailError, Mailer};
use crate::queue::Job;
use crate::worker::{JobError, JobHandler};

/// The job kind of a notification mail.
pub const JOB_KIND: &str = "notification.mail";

/// A refused message (5xx) is tried this many times in all, then it is dead.
pub const REFUSED_ATTEMPTS: i32 = 3;

/// What the job carries: the notice as rendered for the inbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailPayload {
    pub message_id: String,
    pub to: String,
    pub language: String,
    pub subject: String,
    pub body: String,
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
impl JobHandler for NotificationJob {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let p: MailPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("payload: {e}")))?;
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
        // with the same Message-ID (see the README).
        sqlx::query(
            "INSERT INTO notification_deliveries (message_id, transport) VALUES ($1, $2)
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
