//! The inbox: the notices of one addressee, newest first.

use chrono::{DateTime, Utc};
use projections::ProjectionError;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// One notice as the inbox shows it (the same text as the mail).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: Uuid,
    pub kind: String,
    pub case_type: String,
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
    Ok(rows
        .into_iter()
        .map(|r| Notice {
            id: r.get("id"),
            kind: r.get("kind"),
            case_type: r.get("case_type"),
            case_id: r.get("case_id"),
            language: r.get("language"),
            subject: r.get("subject"),
            body: r.get("body"),
            message_id: r.get("message_id"),
            created_at: r.get("created_at"),
            mailed_at: r.get("sent_at"),
        })
        .collect())
}
