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

/// A row as the listing queries read it.
struct Row {
    case_id: Uuid,
    case_type: String,
    qualification_code: String,
    procedure: Procedure,
    status: CaseStatus,
    submitted_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    assigned_to: Option<String>,
    flags: serde_json::Value,
    family_name: Option<String>,
    given_name: Option<String>,
}

/// Lists cases by due date; returns one more than `limit` when there is a next page.
///
/// Three queries, so that each walks an index in the order it returns and
/// stops after `limit` rows: examiners decide the oldest cases first, so the
/// decided ones gather at the front of the due order, and a walk of
/// `examiner_queue_due` that filters them out slows down as they pile up
/// (the soak's `UNDER_EXAMINATION` page took 65 ms after 30 minutes,
/// passing 10,236 decided cases; issue 25). With a status the walk is on
/// `(status, due_at, case_id)`; the default queue of open cases walks the
/// partial index of open cases; anything else keeps the general query.
pub async fn list(
    pool: &PgPool,
    f: &QueueFilter,
    now: DateTime<Utc>,
) -> Result<Vec<QueueRow>, ProjectionError> {
    let rows = match f.status {
        Some(status) => by_status(pool, f, status, now).await?,
        None if f.open_only => open(pool, f, now).await?,
        None => any(pool, f, now).await?,
    };
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

/// The cases of one status, in due order, by `examiner_queue_status_due`.
async fn by_status(
    pool: &PgPool,
    f: &QueueFilter,
    status: CaseStatus,
    now: DateTime<Utc>,
) -> Result<Vec<Row>, ProjectionError> {
    Ok(sqlx::query_as!(
        Row,
        r#"SELECT q.case_id, q.case_type, q.qualification_code, q.procedure AS "procedure: Procedure",
                q.status AS "status: CaseStatus", q.submitted_at, q.due_at, q.assigned_to, q.flags,
                coalesce(r.family_name, q.family_name) AS family_name,
                coalesce(r.given_name, q.given_name) AS given_name
         FROM examiner_queue q
         LEFT JOIN register r ON r.registration_id = q.registration_id
         WHERE q.status = $1
           AND ($2::text IS NULL OR q.qualification_code = $2)
           AND ($3::text IS NULL OR q.assigned_to = $3)
           AND (NOT $4 OR (q.due_at < $5 AND q.status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN',
                                                             'SUSPENDED', 'REVOKED', 'EXPIRED')))
           AND ($6::timestamptz IS NULL OR (q.status, q.due_at, q.case_id) > ($1, $6, $7))
           AND (NOT $9 OR q.status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN', 'DELETED',
                                           'SUSPENDED', 'REVOKED', 'EXPIRED')
                OR q.flags @> '["LINK_DISPUTED"]')
           AND ($10::text IS NULL OR q.procedure = $10)
         ORDER BY q.status, q.due_at, q.case_id
         LIMIT $8"#,
        status as CaseStatus,
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
    .await?)
}

/// The open cases (the queue's default), in due order, by the partial index
/// `examiner_queue_open_due`, whose predicate this query repeats word for
/// word so that the planner can use it in a generic plan too.
async fn open(
    pool: &PgPool,
    f: &QueueFilter,
    now: DateTime<Utc>,
) -> Result<Vec<Row>, ProjectionError> {
    Ok(sqlx::query_as!(
        Row,
        r#"SELECT q.case_id, q.case_type, q.qualification_code, q.procedure AS "procedure: Procedure",
                q.status AS "status: CaseStatus", q.submitted_at, q.due_at, q.assigned_to, q.flags,
                coalesce(r.family_name, q.family_name) AS family_name,
                coalesce(r.given_name, q.given_name) AS given_name
         FROM examiner_queue q
         LEFT JOIN register r ON r.registration_id = q.registration_id
         WHERE (q.status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN', 'DELETED',
                                 'SUSPENDED', 'REVOKED', 'EXPIRED')
                OR q.flags @> '["LINK_DISPUTED"]')
           AND ($1::text IS NULL OR q.qualification_code = $1)
           AND ($2::text IS NULL OR q.assigned_to = $2)
           AND (NOT $3 OR (q.due_at < $4 AND q.status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN',
                                                             'SUSPENDED', 'REVOKED', 'EXPIRED')))
           AND ($5::timestamptz IS NULL OR (q.due_at, q.case_id) > ($5, $6))
           AND ($8::text IS NULL OR q.procedure = $8)
         ORDER BY q.due_at, q.case_id
         LIMIT $7"#,
        f.qualification_code.as_deref(),
        f.assigned_to.as_deref(),
        f.overdue,
        now,
        f.after.map(|a| a.0),
        f.after.map(|a| a.1),
        f.limit + 1,
        f.procedure as Option<Procedure>,
    )
    .fetch_all(pool)
    .await?)
}

/// Any case (decided ones too) matching the filters, in due order.
async fn any(
    pool: &PgPool,
    f: &QueueFilter,
    now: DateTime<Utc>,
) -> Result<Vec<Row>, ProjectionError> {
    Ok(sqlx::query_as!(
        Row,
        r#"SELECT q.case_id, q.case_type, q.qualification_code, q.procedure AS "procedure: Procedure",
                q.status AS "status: CaseStatus", q.submitted_at, q.due_at, q.assigned_to, q.flags,
                coalesce(r.family_name, q.family_name) AS family_name,
                coalesce(r.given_name, q.given_name) AS given_name
         FROM examiner_queue q
         LEFT JOIN register r ON r.registration_id = q.registration_id
         WHERE ($1::text IS NULL OR q.qualification_code = $1)
           AND ($2::text IS NULL OR q.assigned_to = $2)
           AND (NOT $3 OR (q.due_at < $4 AND q.status NOT IN ('APPROVED', 'REGISTERED', 'REJECTED', 'WITHDRAWN',
                                                             'SUSPENDED', 'REVOKED', 'EXPIRED')))
           AND ($5::timestamptz IS NULL OR (q.due_at, q.case_id) > ($5, $6))
           AND ($8::text IS NULL OR q.procedure = $8)
         ORDER BY q.due_at, q.case_id
         LIMIT $7"#,
        f.qualification_code.as_deref(),
        f.assigned_to.as_deref(),
        f.overdue,
        now,
        f.after.map(|a| a.0),
        f.after.map(|a| a.1),
        f.limit + 1,
        f.procedure as Option<Procedure>,
    )
    .fetch_all(pool)
    .await?)
}
