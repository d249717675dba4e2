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

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::mailer::{Mail, MailError, Mailer};
use crate::job_kind::{JobArgs, Work};
use crate::jobs::Job;
use crate::worker::JobError;

/// A refused message (5xx) is tried this many times in its own job, then it
/// is dead (after the one try in its batch, see [`super::mail_batch`]).
pub const REFUSED_ATTEMPTS: i32 = 3;

/// Mails one notice: `notification.mail`, keyed by its Message-ID. The
/// inbox queues its notices in batches ([`super::mail_batch`]); a notice
/// gets a job of its own when its batch could not send it.
///
/// The job carries only the Message-ID: the handler reads the address and
/// the text from the notice in the inbox (`notifications`), so each body is
/// stored once (it was the largest part of the cascade's WAL). Jobs queued
/// before carry the whole mail, and run with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailNotice {
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl MailNotice {
    /// The mail of the inbox's notice `message_id`.
    pub fn of(message_id: String) -> Self {
        Self {
            message_id,
            to: None,
            language: None,
            subject: None,
            body: None,
        }
    }

    /// A mail carried whole by its job, as jobs were queued before the
    /// handler read the inbox.
    pub fn whole(message_id: String, to: &str, language: &str, subject: &str, body: &str) -> Self {
        Self {
            message_id,
            to: Some(to.to_owned()),
            language: Some(language.to_owned()),
            subject: Some(subject.to_owned()),
            body: Some(body.to_owned()),
        }
    }

    /// The mail the job carries, when it carries all of it.
    fn carried(self) -> Result<Mail, Self> {
        match self {
            MailNotice {
                message_id,
                to: Some(to),
                language: Some(language),
                subject: Some(subject),
                body: Some(body),
            } => Ok(Mail {
                message_id,
                to,
                subject,
                body,
                language,
            }),
            p => Err(p),
        }
    }
}

/// What the batch's look-up found for one Message-ID: whether it was sent,
/// and the notice's address and text (`language`, `subject` and `body` are
/// there exactly when the notice is: the inbox requires them).
#[derive(sqlx::FromRow)]
struct Found {
    message_id: String,
    sent: bool,
    email: Option<String>,
    language: Option<String>,
    subject: Option<String>,
    body: Option<String>,
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

    /// The pool the handler reads and records with.
    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
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
        let notices = jobs.into_iter().map(|(p, job)| (p, job.attempts)).collect();
        self.send(notices).await
    }
}

impl NotificationJob {
    /// Sends the notices not sent yet, each given its attempt (which decides
    /// when a refusal is final), and records those accepted; one outcome per
    /// notice, in order.
    pub(super) async fn send(&self, jobs: Vec<(MailNotice, i32)>) -> Vec<Result<(), JobError>> {
        let ids: Vec<&str> = jobs.iter().map(|(p, _)| p.message_id.as_str()).collect();
        // One statement finds the messages already sent and the notices'
        // texts (unused for a job that carries its mail).
        let mut found: HashMap<String, Found> = match sqlx::query_as::<_, Found>(
            "SELECT m.id AS message_id, d.message_id IS NOT NULL AS sent,
                    n.email, n.language, n.subject, n.body
             FROM unnest($1::text[]) AS m(id)
             LEFT JOIN notification_deliveries d ON d.message_id = m.id
             LEFT JOIN notifications n ON n.message_id = m.id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        {
            Ok(found) => found
                .into_iter()
                .map(|f| (f.message_id.clone(), f))
                .collect(),
            Err(e) => return jobs.iter().map(|_| Err(JobError::retry(&e))).collect(),
        };
        let mut outcomes: Vec<Result<(), JobError>> = jobs.iter().map(|_| Ok(())).collect();
        let mut pending = Vec::new();
        let mut mails = Vec::new();
        for (i, (p, attempts)) in jobs.into_iter().enumerate() {
            let found = found.remove(&p.message_id);
            if found.as_ref().is_some_and(|f| f.sent) {
                tracing::info!(message_id = %p.message_id, "already sent; not sending again");
                continue;
            }
            let mail = match p.carried() {
                Ok(mail) => mail,
                Err(p) => match from_inbox(p.message_id, found) {
                    Ok(mail) => mail,
                    Err(e) => {
                        outcomes[i] = Err(e);
                        continue;
                    }
                },
            };
            pending.push((i, attempts));
            mails.push(mail);
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

/// The mail of a notice as the inbox holds it. A notice not there is waited
/// for: its view is being rebuilt (the job and the notice are written
/// together, and a rebuild writes the notice again with the same
/// Message-ID).
fn from_inbox(message_id: String, found: Option<Found>) -> Result<Mail, JobError> {
    match found {
        Some(Found {
            email: Some(to),
            language: Some(language),
            subject: Some(subject),
            body: Some(body),
            ..
        }) => Ok(Mail {
            message_id,
            to,
            subject,
            body,
            language,
        }),
        Some(Found {
            language: Some(_), ..
        }) => Err(JobError::Permanent(format!(
            "the notice {message_id} has no address"
        ))),
        _ => Err(JobError::Retry(format!(
            "the notice {message_id} is not in the inbox (is it being rebuilt?)"
        ))),
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
