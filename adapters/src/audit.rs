//! The audit log of personal-data access: who read a case's particulars or
//! documents, looked a holder up, asked the registers with their number or
//! revealed it, when, in which request and why. Append-only (a trigger
//! refuses UPDATE, DELETE and TRUNCATE). Every record names the case it was
//! made through, which is how a holder's own access log finds it; each actor
//! has an opaque id (`audit_accessors`) that holders see instead of the name.

use chrono::{DateTime, Utc};
use domain::CaseKind;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use eventstore::ProjectionError;

/// What was accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A registration's particulars were read.
    ReadRegistration,
    /// A change request's particulars were read.
    ReadChangeRequest,
    /// A sanction case was read.
    ReadSanction,
    /// A document a case references was read.
    ReadAttachment,
    /// A registration was looked up by its registration number.
    LookUpRegistration,
    /// The national registers were asked about a case with the holder's
    /// number (its lookup token) and particulars.
    InquireRegisters,
    /// A My Number was decrypted from the vault.
    RevealMyNumber,
    /// The holder's name was shown in a list of the examiners' queue.
    ReadNameInQueue,
}

impl AuditAction {
    /// Every action, in the order the docs list them.
    pub const ALL: [AuditAction; 8] = [
        AuditAction::ReadRegistration,
        AuditAction::ReadChangeRequest,
        AuditAction::ReadSanction,
        AuditAction::ReadAttachment,
        AuditAction::LookUpRegistration,
        AuditAction::InquireRegisters,
        AuditAction::RevealMyNumber,
        AuditAction::ReadNameInQueue,
    ];

    /// Reading a case of this kind.
    pub fn read(kind: CaseKind) -> Self {
        match kind {
            CaseKind::Registration => AuditAction::ReadRegistration,
            CaseKind::ChangeRequest => AuditAction::ReadChangeRequest,
            CaseKind::Sanction => AuditAction::ReadSanction,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ReadRegistration => "READ_REGISTRATION",
            AuditAction::ReadChangeRequest => "READ_CHANGE_REQUEST",
            AuditAction::ReadSanction => "READ_SANCTION",
            AuditAction::ReadAttachment => "READ_ATTACHMENT",
            AuditAction::LookUpRegistration => "LOOK_UP_REGISTRATION",
            AuditAction::InquireRegisters => "INQUIRE_REGISTERS",
            AuditAction::RevealMyNumber => "REVEAL_MY_NUMBER",
            AuditAction::ReadNameInQueue => "READ_NAME_IN_QUEUE",
        }
    }

    /// The action of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// The role the system's own work is recorded in (the register inquiry).
pub const SYSTEM_ROLE: &str = "system";

/// Who accessed, in which request and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accessor {
    /// The token subject (a client id for ministry systems; the job's name
    /// for the system).
    pub actor: String,
    /// The role it acted in (`system` for background work).
    pub role: String,
    /// The request's `x-request-id` (or the job's id).
    pub request_id: Option<String>,
    /// The stated purpose (`X-Purpose`).
    pub purpose: Option<String>,
}

/// What an access touched. The case names whose data it was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Subject {
    /// The case read, or the case the access was made for.
    pub case_id: Option<Uuid>,
    /// The vault entry used or revealed.
    pub vault_id: Option<Uuid>,
    /// The document read.
    pub attachment_id: Option<Uuid>,
}

impl Subject {
    /// A case.
    pub fn case(case_id: Uuid) -> Self {
        Self {
            case_id: Some(case_id),
            ..Self::default()
        }
    }
}

/// Records one access; run it in the transaction or request that accesses.
pub async fn record(
    db: impl PgExecutor<'_>,
    who: &Accessor,
    action: AuditAction,
    case_id: Option<Uuid>,
    vault_id: Option<Uuid>,
) -> Result<(), ProjectionError> {
    let subject = Subject {
        case_id,
        vault_id,
        attachment_id: None,
    };
    write(db, who, action, subject).await
}

/// Records one access to `subject`.
pub async fn write(
    db: impl PgExecutor<'_>,
    who: &Accessor,
    action: AuditAction,
    subject: Subject,
) -> Result<(), ProjectionError> {
    sqlx::query!(
        "INSERT INTO audit_log (actor, role, action, case_id, vault_id, attachment_id, request_id, purpose)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        who.actor,
        who.role,
        action.as_str(),
        subject.case_id,
        subject.vault_id,
        subject.attachment_id,
        who.request_id,
        who.purpose,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records one access of the same kind to each of `case_ids` (a list that
/// shows each case's personal data), in one statement.
pub async fn record_each(
    db: impl PgExecutor<'_>,
    who: &Accessor,
    action: AuditAction,
    case_ids: &[Uuid],
) -> Result<(), ProjectionError> {
    if case_ids.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "INSERT INTO audit_log (actor, role, action, case_id, request_id, purpose)
         SELECT $1, $2, $3, c.id, $5, $6 FROM unnest($4::uuid[]) WITH ORDINALITY AS c(id, n)
         ORDER BY c.n",
        who.actor,
        who.role,
        action.as_str(),
        case_ids,
        who.request_id,
        who.purpose,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Filters of the audit list; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub case_id: Option<Uuid>,
    /// Only accesses to the cases this applicant (token subject) holds or
    /// filed: their access log.
    pub holder: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset cursor: the id of the last record seen (newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

/// One audit record, with the accessor's opaque id and the kind of its case.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// What holders see instead of `actor`.
    pub accessor_ref: Uuid,
    pub role: String,
    pub action: String,
    /// REGISTRATION or CHANGE_REQUEST (`CaseKind::wire`), when the case is known.
    pub case_type: Option<String>,
    pub case_id: Option<Uuid>,
    pub vault_id: Option<Uuid>,
    pub attachment_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub purpose: Option<String>,
}

/// Records newest first; one more than `limit` when there is a next page.
/// A holder's cases are those the status views give them: registrations they
/// own, change requests they filed or that concern their registration.
pub async fn list(pool: &PgPool, f: &AuditFilter) -> Result<Vec<AuditRecord>, ProjectionError> {
    Ok(sqlx::query_as!(
        AuditRecord,
        r#"SELECT a.id, a.at, a.actor, x.ref AS accessor_ref, a.role, a.action,
                  CASE WHEN EXISTS (SELECT 1 FROM registration_status s WHERE s.id = a.case_id)
                         THEN 'REGISTRATION'
                       WHEN EXISTS (SELECT 1 FROM change_request_status c WHERE c.id = a.case_id)
                         THEN 'CHANGE_REQUEST'
                  END AS case_type,
                  a.case_id, a.vault_id, a.attachment_id, a.request_id, a.purpose
           FROM audit_log a
           JOIN audit_accessors x ON x.actor = a.actor
           WHERE ($1::text IS NULL OR a.actor = $1)
             AND ($2::uuid IS NULL OR a.case_id = $2)
             AND ($3::timestamptz IS NULL OR a.at >= $3)
             AND ($4::timestamptz IS NULL OR a.at < $4)
             AND ($5::bigint IS NULL OR a.id < $5)
             AND ($6::text IS NULL OR a.case_id = ANY (ARRAY(
                   SELECT s.id FROM registration_status s WHERE s.owner = $6
                   UNION
                   SELECT c.id FROM change_request_status c WHERE c.filed_by = $6 OR c.holder = $6)))
           ORDER BY a.id DESC
           LIMIT $7"#,
        f.actor,
        f.case_id,
        f.from,
        f.to,
        f.before,
        f.holder,
        f.limit + 1,
    )
    .fetch_all(pool)
    .await?)
}
