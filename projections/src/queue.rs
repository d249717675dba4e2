//! The examiner queue over every kind of case, ordered by due date.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::examination::ExaminationEvent;
use domain::registration::RegistrationEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::status::registration_event;
use crate::subscription::{Projection, StoredEvent};
use crate::ProjectionError;

/// Builds `examiner_queue`.
pub struct QueueProjection;

#[async_trait]
impl Projection for QueueProjection {
    fn name(&self) -> &'static str {
        "examiner_queue"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((id, e)) = registration_event(event)? else {
            return Ok(());
        };
        if let RegistrationEvent::ApplicationSubmitted {
            qualification_code,
            submitted_at,
            due_at,
            ..
        } = &e
        {
            sqlx::query(
                "INSERT INTO examiner_queue
                   (case_id, case_type, qualification_code, procedure, status, submitted_at, due_at)
                 VALUES ($1, 'REGISTRATION', $2, 'NEW_REGISTRATION', 'SUBMITTED', $3, $4)",
            )
            .bind(id)
            .bind(qualification_code)
            .bind(submitted_at)
            .bind(due_at)
            .execute(&mut *conn)
            .await?;
            return Ok(());
        }
        let assignee = match &e {
            RegistrationEvent::Examination(ExaminationEvent::ExaminerAssigned {
                examiner, ..
            }) => Some(examiner.as_str()),
            _ => None,
        };
        let status = e.status_after().map(|s| s.as_str());
        if status.is_none() && assignee.is_none() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE examiner_queue
             SET status = coalesce($2, status), assigned_to = coalesce($3, assigned_to)
             WHERE case_id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(assignee)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE examiner_queue").execute(conn).await?;
        Ok(())
    }
}

/// One case in the queue.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueRow {
    pub case_id: Uuid,
    pub case_type: String,
    pub qualification_code: String,
    pub procedure: String,
    pub status: String,
    pub submitted_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub assigned_to: Option<String>,
    pub flags: serde_json::Value,
}

/// Queue filters.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<String>,
    pub qualification_code: Option<String>,
    pub assigned_to: Option<String>,
    /// Only cases past their due date and not decided.
    pub overdue: bool,
    /// Keyset cursor: (due_at, case_id) of the last row seen.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Lists cases by due date; returns one more than `limit` when there is a next page.
pub async fn list(
    pool: &PgPool,
    f: &QueueFilter,
    now: DateTime<Utc>,
) -> Result<Vec<QueueRow>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT case_id, case_type, qualification_code, procedure, status, submitted_at, due_at,
                assigned_to, flags
         FROM examiner_queue
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::text IS NULL OR qualification_code = $2)
           AND ($3::text IS NULL OR assigned_to = $3)
           AND (NOT $4 OR (due_at < $5 AND status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN')))
           AND ($6::timestamptz IS NULL OR (due_at, case_id) > ($6, $7))
         ORDER BY due_at, case_id
         LIMIT $8",
    )
    .bind(&f.status)
    .bind(&f.qualification_code)
    .bind(&f.assigned_to)
    .bind(f.overdue)
    .bind(now)
    .bind(f.after.map(|a| a.0))
    .bind(f.after.map(|a| a.1))
    .bind(f.limit + 1)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| QueueRow {
            case_id: r.get("case_id"),
            case_type: r.get("case_type"),
            qualification_code: r.get("qualification_code"),
            procedure: r.get("procedure"),
            status: r.get("status"),
            submitted_at: r.get("submitted_at"),
            due_at: r.get("due_at"),
            assigned_to: r.get("assigned_to"),
            flags: r.get("flags"),
        })
        .collect())
}
