//! The status view as the API reads it: filtered, paged lists.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::vocab::{CaseStatus, Channel};
use eventstore::ProjectionError;

/// One row of the status view.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusRow {
    pub id: Uuid,
    pub owner: Option<String>,
    pub qualification_code: String,
    pub channel: Channel,
    pub status: CaseStatus,
    pub fee_total: i64,
    pub paid: bool,
    pub submitted_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub registration_number: Option<String>,
    pub version: i64,
}

/// Filters for listing applications.
#[derive(Debug, Clone, Default)]
pub struct StatusFilter {
    /// Only this owner's applications (applicants).
    pub owner: Option<String>,
    pub qualification_code: Option<String>,
    /// Only these qualifications (a ministry's); `None`: all.
    pub qualification_codes: Option<Vec<String>>,
    pub status: Option<CaseStatus>,
    pub registration_number: Option<String>,
    /// Keyset cursor: (submitted_at, id) of the last row seen.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Lists rows oldest first; returns one more than `limit` when there is a next page.
pub async fn list(pool: &PgPool, f: &StatusFilter) -> Result<Vec<StatusRow>, ProjectionError> {
    Ok(sqlx::query_as!(
        StatusRow,
        r#"SELECT id, owner, qualification_code, channel AS "channel: Channel",
                status AS "status: CaseStatus", fee_total, paid, submitted_at, due_at,
                registration_number, version
         FROM registration_status
         WHERE ($1::text IS NULL OR owner = $1)
           AND ($2::text IS NULL OR qualification_code = $2)
           AND ($3::text IS NULL OR status = $3)
           AND ($4::text IS NULL OR registration_number = $4)
           AND ($5::timestamptz IS NULL OR (submitted_at, id) > ($5, $6))
           AND ($8::text[] IS NULL OR qualification_code = ANY($8))
         ORDER BY submitted_at, id
         LIMIT $7"#,
        f.owner.as_deref(),
        f.qualification_code.as_deref(),
        f.status as Option<CaseStatus>,
        f.registration_number.as_deref(),
        f.after.map(|a| a.0),
        f.after.map(|a| a.1),
        f.limit + 1,
        f.qualification_codes.as_deref(),
    )
    .fetch_all(pool)
    .await?)
}
