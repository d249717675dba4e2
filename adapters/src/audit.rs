//! The audit log of personal-data access: who read a case's particulars or
//! revealed a My Number, when, in which request and why. Append-only (a
//! trigger refuses UPDATE, DELETE and TRUNCATE).

use chrono::{DateTime, Utc};
use domain::CaseKind;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgExecutor, PgPool};
use uuid::Uuid;

use eventstore::ProjectionError;

/// What was accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A registration's particulars were read.
    ReadRegistration,
    /// A change request's particulars were read.
    ReadChangeRequest,
    /// A My Number was decrypted from the vault.
    RevealMyNumber,
}

impl AuditAction {
    /// Reading a case of this kind.
    pub fn read(kind: CaseKind) -> Self {
        match kind {
            CaseKind::Registration => AuditAction::ReadRegistration,
            CaseKind::ChangeRequest => AuditAction::ReadChangeRequest,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ReadRegistration => "READ_REGISTRATION",
            AuditAction::ReadChangeRequest => "READ_CHANGE_REQUEST",
            AuditAction::RevealMyNumber => "REVEAL_MY_NUMBER",
        }
    }
}

/// Who accessed, in which request and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accessor {
    /// The token subject (a client id for ministry systems).
    pub actor: String,
    /// The role it acted in.
    pub role: String,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
    /// The stated purpose (`X-Purpose`).
    pub purpose: Option<String>,
}

/// Records one access; run it in the transaction or request that accesses.
pub async fn record(
    db: impl PgExecutor<'_>,
    who: &Accessor,
    action: AuditAction,
    case_id: Option<Uuid>,
    vault_id: Option<Uuid>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "INSERT INTO audit_log (actor, role, action, case_id, vault_id, request_id, purpose)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&who.actor)
    .bind(&who.role)
    .bind(action.as_str())
    .bind(case_id)
    .bind(vault_id)
    .bind(&who.request_id)
    .bind(&who.purpose)
    .execute(db)
    .await?;
    Ok(())
}

/// Filters of the audit list; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub case_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset cursor: the id of the last record seen (newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

/// Records newest first; one more than `limit` when there is a next page.
/// Each row is read by column name (id, at, actor, role, action, case_id,
/// vault_id, request_id, purpose) into `R`, the caller's view, so the
/// record's fields are written down once.
pub async fn list<R>(pool: &PgPool, f: &AuditFilter) -> Result<Vec<R>, ProjectionError>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    Ok(sqlx::query_as(
        "SELECT id, at, actor, role, action, case_id, vault_id, request_id, purpose
         FROM audit_log
         WHERE ($1::text IS NULL OR actor = $1)
           AND ($2::uuid IS NULL OR case_id = $2)
           AND ($3::timestamptz IS NULL OR at >= $3)
           AND ($4::timestamptz IS NULL OR at < $4)
           AND ($5::bigint IS NULL OR id < $5)
         ORDER BY id DESC
         LIMIT $6",
    )
    .bind(&f.actor)
    .bind(f.case_id)
    .bind(f.from)
    .bind(f.to)
    .bind(f.before)
    .bind(f.limit + 1)
    .fetch_all(pool)
    .await?)
}
