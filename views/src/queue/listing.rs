//! Reading the queue: filters, keyset paging, and each row's name from the
//! register (current) or the application.

use chrono::{DateTime, Utc};
use domain::CaseKind;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::vocab::{CaseStatus, Procedure};
use eventstore::ProjectionError;

/// One case in the queue.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueRow {
    pub case_id: Uuid,
    pub case_type: CaseKind,
    pub qualification_code: String,
    pub procedure: Procedure,
    pub status: CaseStatus,
    pub submitted_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub assigned_to: Option<String>,
    pub flags: serde_json::Value,
    /// The holder's or applicant's family and given name: the register's
    /// current one, else the one applied with. Personal data: staff only,
    /// and a list that shows it is audited.
    pub name: Option<(String, String)>,
}

/// Queue filters.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<CaseStatus>,
    pub qualification_code: Option<String>,
    /// Only cases of this procedure (e.g. RENEWAL: the renewals to examine).
    pub procedure: Option<Procedure>,
    pub assigned_to: Option<String>,
    /// Only cases past their due date and not decided.
    pub overdue: bool,
    /// Only open cases: not decided, or a registration whose link is disputed
    /// (the queue's default: it serves work).
    pub open_only: bool,
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
    let rows = sqlx::query!(
        r#"SELECT q.case_id, q.case_type, q.qualification_code, q.procedure AS "procedure: Procedure",
                q.status AS "status: CaseStatus", q.submitted_at, q.due_at, q.assigned_to, q.flags,
                coalesce(r.family_name, q.family_name) AS family_name,
                coalesce(r.given_name, q.given_name) AS given_name
         FROM examiner_queue q
         LEFT JOIN register r ON r.registration_id = q.registration_id
         WHERE ($1::text IS NULL OR q.status = $1)
           AND ($2::text IS NULL OR q.qualification_code = $2)
           AND ($3::text IS NULL OR q.assigned_to = $3)
           AND (NOT $4 OR (q.due_at < $5 AND q.status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN',
                                                             'SUSPENDED', 'REVOKED', 'EXPIRED')))
           AND ($6::timestamptz IS NULL OR (q.due_at, q.case_id) > ($6, $7))
           AND (NOT $9 OR q.status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN', 'DELETED',
                                           'SUSPENDED', 'REVOKED', 'EXPIRED')
                OR q.flags @> '["LINK_DISPUTED"]')
           AND ($10::text IS NULL OR q.procedure = $10)
         ORDER BY q.due_at, q.case_id
         LIMIT $8"#,
        f.status as Option<CaseStatus>,
        f.qualification_code.as_deref(),
        f.assigned_to.as_deref(),
        f.overdue,
        now,
        f.after.map(|a| a.0),
        f.after.map(|a| a.1),
        f.limit + 1,
        f.open_only,
        f.procedure as Option<Procedure>,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(QueueRow {
                case_type: CaseKind::from_wire(&r.case_type)
                    .ok_or(ProjectionError::UnknownCaseKind(r.case_type))?,
                case_id: r.case_id,
                qualification_code: r.qualification_code,
                procedure: r.procedure,
                status: r.status,
                submitted_at: r.submitted_at,
                due_at: r.due_at,
                assigned_to: r.assigned_to,
                flags: r.flags,
                name: r.family_name.zip(r.given_name),
            })
        })
        .collect()
}
