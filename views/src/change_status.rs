//! The change-request list view.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::change_request::ChangeRequestEvent;
use domain::examination::ExaminationEvent;
use domain::registration::Channel;
use domain::CaseEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

/// Builds `change_request_status`.
pub struct ChangeStatusProjection;

#[async_trait]
impl Projection for ChangeStatusProjection {
    fn name(&self) -> &'static str {
        "change_request_status"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((id, CaseEvent::ChangeRequest(e))) = event.case_event()? else {
            return Ok(());
        };
        if let ChangeRequestEvent::ChangeRequested {
            registration_id,
            qualification_code,
            holder,
            details,
            submitted_at,
            ..
        } = &e
        {
            sqlx::query(
                "INSERT INTO change_request_status
                   (id, registration_id, filed_by, holder, kind, channel, qualification_code, status,
                    submitted_at, version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'SUBMITTED', $8, $9)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(registration_id)
            .bind(&details.filed_by)
            .bind(holder)
            .bind(details.kind.as_str())
            .bind(match details.channel {
                Channel::Online => "ONLINE",
                Channel::Paper => "PAPER",
            })
            .bind(qualification_code)
            .bind(submitted_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?;
            return Ok(());
        }
        let fee = match &e {
            ChangeRequestEvent::Examination(ExaminationEvent::FeeAssessed { fee }) => {
                Some(fee.total())
            }
            _ => None,
        };
        let outcome = match &e {
            ChangeRequestEvent::ChangeApplied { .. } => Some("APPLIED".to_owned()),
            ChangeRequestEvent::ChangeFailed { reason_code, .. } => Some(reason_code.clone()),
            _ => None,
        };
        sqlx::query(
            "UPDATE change_request_status
             SET status = coalesce($2, status), fee_total = coalesce($3, fee_total),
                 outcome = coalesce($4, outcome), version = $5
             WHERE id = $1",
        )
        .bind(id)
        .bind(e.status_after().map(|s| s.as_str()))
        .bind(fee)
        .bind(outcome)
        .bind(event.sequence)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE change_request_status")
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// One row of the list.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub kind: String,
    pub channel: String,
    pub qualification_code: String,
    pub status: String,
    pub fee_total: i64,
    pub outcome: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub version: i64,
}

/// Filters for listing change requests.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    /// Only requests this subject filed or holds the registration of (applicants).
    pub party: Option<String>,
    pub registration_id: Option<Uuid>,
    /// Only these qualifications (a ministry's); `None`: all.
    pub qualification_codes: Option<Vec<String>>,
    pub status: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Lists requests oldest first; one more than `limit` when there is a next page.
pub async fn list(pool: &PgPool, f: &ChangeFilter) -> Result<Vec<ChangeRow>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT id, registration_id, kind, channel, qualification_code, status, fee_total, outcome,
                submitted_at, version
         FROM change_request_status
         WHERE ($1::text IS NULL OR filed_by = $1 OR holder = $1)
           AND ($2::uuid IS NULL OR registration_id = $2)
           AND ($3::text IS NULL OR status = $3)
           AND ($4::timestamptz IS NULL OR (submitted_at, id) > ($4, $5))
           AND ($7::text[] IS NULL OR qualification_code = ANY($7))
         ORDER BY submitted_at, id
         LIMIT $6",
    )
    .bind(&f.party)
    .bind(f.registration_id)
    .bind(&f.status)
    .bind(f.after.map(|a| a.0))
    .bind(f.after.map(|a| a.1))
    .bind(f.limit + 1)
    .bind(&f.qualification_codes)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChangeRow {
            id: r.get("id"),
            registration_id: r.get("registration_id"),
            kind: r.get("kind"),
            channel: r.get("channel"),
            qualification_code: r.get("qualification_code"),
            status: r.get("status"),
            fee_total: r.get("fee_total"),
            outcome: r.get("outcome"),
            submitted_at: r.get("submitted_at"),
            version: r.get("version"),
        })
        .collect())
}
