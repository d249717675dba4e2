//! The inbox: the notices the producer writes (with their mail jobs), and
//! those of one addressee, newest first.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::CaseKind;
use eventstore::ProjectionError;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::mail_batch::MailBatch;
use crate::job_kind::JobArgs;
use crate::jobs::enqueue_all;

/// A rendered notice waiting for the end of its batch (the producer's).
pub(super) struct NewNotice {
    pub(super) message_id: String,
    pub(super) case_type: CaseKind,
    pub(super) case_id: Uuid,
    pub(super) sequence: i64,
    pub(super) kind: &'static str,
    pub(super) owner: Option<String>,
    pub(super) email: Option<String>,
    pub(super) language: &'static str,
    pub(super) subject: String,
    pub(super) body: String,
    pub(super) created_at: DateTime<Utc>,
}

/// Writes the notices to the inbox and queues the mail of those that have
/// an address, in batch jobs; a notice already written (a replay) is
/// neither written nor mailed again.
pub(super) async fn write(
    conn: &mut PgConnection,
    notices: Vec<NewNotice>,
) -> Result<(), ProjectionError> {
    if notices.is_empty() {
        return Ok(());
    }
    let text = |f: fn(&NewNotice) -> String| notices.iter().map(f).collect::<Vec<_>>();
    let maybe = |f: fn(&NewNotice) -> Option<String>| notices.iter().map(f).collect::<Vec<_>>();
    let written: Vec<String> = sqlx::query_scalar(
        "INSERT INTO notifications
           (id, message_id, case_type, case_id, sequence, kind, owner, email, language,
            subject, body, created_at)
         SELECT gen_random_uuid(), n.message_id, n.case_type, n.case_id, n.sequence, n.kind,
                n.owner, n.email, n.language, n.subject, n.body, n.created_at
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::bigint[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
                  WITH ORDINALITY
              AS n(message_id, case_type, case_id, sequence, kind, owner, email, language,
                   subject, body, created_at, ord)
         ORDER BY n.ord
         ON CONFLICT (message_id) DO NOTHING
         RETURNING message_id",
    )
    .bind(text(|n| n.message_id.clone()))
    .bind(text(|n| n.case_type.aggregate_type().to_owned()))
    .bind(notices.iter().map(|n| n.case_id).collect::<Vec<_>>())
    .bind(notices.iter().map(|n| n.sequence).collect::<Vec<_>>())
    .bind(text(|n| n.kind.to_owned()))
    .bind(maybe(|n| n.owner.clone()))
    .bind(maybe(|n| n.email.clone()))
    .bind(text(|n| n.language.to_owned()))
    .bind(text(|n| n.subject.clone()))
    .bind(text(|n| n.body.clone()))
    .bind(notices.iter().map(|n| n.created_at).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let written: HashSet<String> = written.into_iter().collect();
    let mailed: Vec<String> = notices
        .into_iter()
        .filter(|n| n.email.is_some() && written.contains(&n.message_id))
        .map(|n| n.message_id)
        .collect();
    let jobs = MailBatch::of(mailed)
        .into_iter()
        .map(|batch| {
            let key = batch.key();
            batch.job(key)
        })
        .collect::<Result<Vec<_>, _>>()?;
    enqueue_all(conn, &jobs).await?;
    Ok(())
}

/// One notice as the inbox shows it (the same text as the mail).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: Uuid,
    pub kind: String,
    pub case_type: CaseKind,
    pub case_id: Uuid,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    /// When the mail was accepted by the SMTP server (or written to the outbox).
    pub mailed_at: Option<DateTime<Utc>>,
}

/// Lists `owner`'s notices newest first, after the keyset cursor
/// (created_at, id); returns one more than `limit` when there is a next page.
pub async fn list(
    pool: &PgPool,
    owner: &str,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<Notice>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT n.id, n.kind, n.case_type, n.case_id, n.language, n.subject, n.body,
                n.message_id, n.created_at, d.sent_at
         FROM notifications n
         LEFT JOIN notification_deliveries d ON d.message_id = n.message_id
         WHERE n.owner = $1
           AND ($2::timestamptz IS NULL OR (n.created_at, n.id) < ($2, $3))
         ORDER BY n.created_at DESC, n.id DESC
         LIMIT $4",
    )
    .bind(owner)
    .bind(before.map(|b| b.0))
    .bind(before.map(|b| b.1))
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let case_type: &str = r.get("case_type");
            Ok(Notice {
                case_type: CaseKind::from_aggregate_type(case_type)
                    .ok_or_else(|| ProjectionError::UnknownCaseKind(case_type.to_owned()))?,
                id: r.get("id"),
                kind: r.get("kind"),
                case_id: r.get("case_id"),
                language: r.get("language"),
                subject: r.get("subject"),
                body: r.get("body"),
                message_id: r.get("message_id"),
                created_at: r.get("created_at"),
                mailed_at: r.get("sent_at"),
            })
        })
        .collect()
}
