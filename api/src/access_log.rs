//! The holder's access log (`GET /v1/me/access-log`): every read of their
//! particulars, documents and My Number by staff, ministries or the system,
//! with who (a role and an opaque id, never a name), when and why. Built from
//! the audit log, so it shows exactly what the office sees for the holder in
//! `GET /v1/admin/audit?holder=`; the My Number information-exchange history
//! (情報提供等記録開示) is the model. It never holds the number itself.

use actix_web::{get, web, HttpResponse};
use adapters::audit::{self, AuditAction, AuditFilter, AuditRecord};
use chrono::{DateTime, Utc};
use domain::{CaseKind, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::case::CaseType;
use crate::error::{ApiError, Problem};
use crate::{pagination, AppState};

/// Paging of the access log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// In which capacity someone accessed the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessorRole {
    /// An examiner of the office.
    Examiner,
    /// A senior examiner of the office.
    SeniorExaminer,
    /// A supervising ministry's system.
    Ministry,
    /// An administrator of the office.
    Admin,
    /// The office's own systems (the register inquiry).
    System,
}

impl AccessorRole {
    fn of(role: &str) -> Option<Self> {
        if role == audit::SYSTEM_ROLE {
            return Some(AccessorRole::System);
        }
        Some(match Role::parse(role)? {
            Role::Examiner => AccessorRole::Examiner,
            Role::SeniorExaminer => AccessorRole::SeniorExaminer,
            Role::Ministry => AccessorRole::Ministry,
            Role::Admin => AccessorRole::Admin,
            // A holder's own reads are never recorded.
            Role::Applicant => return None,
        })
    }
}

/// Who accessed: a role and an id that stays the same for the same person or
/// system, which the office can resolve on request but nobody else can.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessorView {
    pub role: AccessorRole,
    pub id: Uuid,
}

/// What was accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessAction {
    /// The particulars of a registration or application were read.
    ReadRegistration,
    /// The particulars of a change request were read.
    ReadChangeRequest,
    /// A sanction case on the registration was read.
    ReadSanction,
    /// A document of the case was read.
    ReadAttachment,
    /// The registration was looked up by its registration number.
    LookUpRegistration,
    /// The national registers were asked about the case with the holder's
    /// number and particulars (attached-document omission).
    InquireRegisters,
    /// The holder's My Number was decrypted.
    RevealMyNumber,
    /// The holder's name was shown in a list of the examiners' work queue.
    ReadNameInQueue,
}

impl From<AuditAction> for AccessAction {
    fn from(a: AuditAction) -> Self {
        match a {
            AuditAction::ReadRegistration => AccessAction::ReadRegistration,
            AuditAction::ReadChangeRequest => AccessAction::ReadChangeRequest,
            AuditAction::ReadSanction => AccessAction::ReadSanction,
            AuditAction::ReadAttachment => AccessAction::ReadAttachment,
            AuditAction::LookUpRegistration => AccessAction::LookUpRegistration,
            AuditAction::InquireRegisters => AccessAction::InquireRegisters,
            AuditAction::RevealMyNumber => AccessAction::RevealMyNumber,
            AuditAction::ReadNameInQueue => AccessAction::ReadNameInQueue,
        }
    }
}

/// One access to the holder's data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessEntry {
    pub at: DateTime<Utc>,
    pub accessor: AccessorView,
    pub action: AccessAction,
    /// The kind of the case the access was made through.
    pub case_type: Option<CaseType>,
    /// The case the access was made through.
    pub case_id: Option<Uuid>,
    /// The document read (READ_ATTACHMENT).
    pub attachment_id: Option<Uuid>,
    /// What the accessor said it was for.
    pub purpose: Option<String>,
}

impl TryFrom<AuditRecord> for AccessEntry {
    type Error = ApiError;

    fn try_from(r: AuditRecord) -> Result<Self, ApiError> {
        let unknown =
            |what: &str| ApiError::Internal(format!("the audit log holds the unknown {what}"));
        let action = AuditAction::parse(&r.action).ok_or_else(|| unknown("action"))?;
        let role = AccessorRole::of(&r.role).ok_or_else(|| unknown("role"))?;
        Ok(Self {
            at: r.at,
            accessor: AccessorView {
                role,
                id: r.accessor_ref,
            },
            action: action.into(),
            case_type: r
                .case_type
                .as_deref()
                .and_then(CaseKind::from_wire)
                .map(CaseType),
            case_id: r.case_id,
            attachment_id: r.attachment_id,
            purpose: r.purpose,
        })
    }
}

/// A page of the access log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    pub items: Vec<AccessEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Who read your particulars, documents or My Number, when and why, newest
/// first: examiners, senior examiners, administrators, ministries' systems
/// and the office's register inquiry, each as a role and an opaque id.
#[utoipa::path(
    operation_id = "list_my_access_log",
    tag = "registrations",
    params(AccessLogQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the access log", body = AccessLogPage),
        (status = 400, description = "Invalid cursor, limit or parameter (INVALID_CURSOR, INVALID_LIMIT, INVALID_QUERY)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an applicant (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/access-log")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AccessLogQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant])?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let filter = AuditFilter {
        holder: Some(caller.0.id.clone()),
        before: pagination::sequence(q.cursor.as_deref())?,
        limit,
        ..AuditFilter::default()
    };
    let rows = audit::list(&state.pool, &filter).await?;
    let (rows, next_cursor) = pagination::page_by(rows, limit, |r| r.id.to_string());
    let items = rows
        .into_iter()
        .map(AccessEntry::try_from)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(AccessLogPage { items, next_cursor }))
}
