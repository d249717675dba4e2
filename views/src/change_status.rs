//! The change-request list view.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::change_request::ChangeRequestEvent;
use domain::examination::ExaminationEvent;
use domain::CaseEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::vocab::{CaseStatus, Channel, Procedure};
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
            sqlx::query!(
                "INSERT INTO change_request_status
                   (id, registration_id, filed_by, holder, kind, channel, qualification_code, status,
                    submitted_at, version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (id) DO NOTHING",
                id,
                registration_id,
                &details.filed_by,
                holder.as_deref(),
                Procedure::from(details.kind) as Procedure,
                Channel::from(details.channel) as Channel,
                qualification_code,
                CaseStatus::Submitted as CaseStatus,
                submitted_at,
                event.sequence,
            )
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
        sqlx::query!(
            "UPDATE change_request_status
             SET status = coalesce($2, status), fee_total = coalesce($3, fee_total),
                 outcome = coalesce($4, outcome), version = $5
             WHERE id = $1",
            id,
            e.status_after().map(CaseStatus::from) as Option<CaseStatus>,
            fee,
            outcome,
            event.sequence,
        )
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Its batches look requests up by id only (the primary key).
    fn rebuild_tables(&self) -> &'static [&'static str] {
        &["change_request_status"]
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query!("TRUNCATE change_request_status")
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
    /// The procedure the request asks for.
    pub kind: Procedure,
    pub channel: Channel,
    pub qualification_code: String,
    pub status: CaseStatus,
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
    pub status: Option<CaseStatus>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Lists requests oldest first; one more than `limit` when there is a next page.
pub async fn list(pool: &PgPool, f: &ChangeFilter) -> Result<Vec<ChangeRow>, ProjectionError> {
    Ok(sqlx::query_as!(
        ChangeRow,
        r#"SELECT id, registration_id, kind AS "kind: Procedure", channel AS "channel: Channel",
                qualification_code, status AS "status: CaseStatus", fee_total, outcome,
                submitted_at, version
         FROM change_request_status
         WHERE ($1::text IS NULL OR filed_by = $1 OR holder = $1)
           AND ($2::uuid IS NULL OR registration_id = $2)
           AND ($3::text IS NULL OR status = $3)
           AND ($4::timestamptz IS NULL OR (submitted_at, id) > ($4, $5))
           AND ($7::text[] IS NULL OR qualification_code = ANY($7))
         ORDER BY submitted_at, id
         LIMIT $6"#,
        f.party.as_deref(),
        f.registration_id,
        f.status as Option<CaseStatus>,
        f.after.map(|a| a.0),
        f.after.map(|a| a.1),
        f.limit + 1,
        f.qualification_codes.as_deref(),
    )
    .fetch_all(pool)
    .await?)
}
