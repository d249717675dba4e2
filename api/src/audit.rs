//! The audit of personal-data access: handlers that show a case's particulars
//! or documents to staff or a ministry record the read here, before
//! answering, with the purpose the caller states in `X-Purpose`; admins list
//! the records (by holder too: what each holder sees at `/v1/me/access-log`).

use actix_web::{get, web, HttpMessage, HttpRequest, HttpResponse};
use adapters::audit::{self, Accessor, AuditAction, AuditFilter, AuditRecord};
use chrono::{DateTime, Utc};
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::telemetry::RequestId;
use crate::{pagination, AppState};

/// Longest accepted `X-Purpose`, in characters.
const MAX_PURPOSE: usize = 200;

/// The accessor of a request: caller, request id and stated purpose.
pub fn accessor(req: &HttpRequest, caller: &Caller) -> Result<Accessor, ApiError> {
    let invalid = || ApiError::BadRequest {
        code: "INVALID_PURPOSE",
        detail: format!("X-Purpose must be UTF-8 text of at most {MAX_PURPOSE} characters"),
    };
    let purpose = match req.headers().get("x-purpose") {
        None => None,
        Some(v) => {
            let text = std::str::from_utf8(v.as_bytes())
                .map_err(|_| invalid())?
                .trim();
            if text.chars().count() > MAX_PURPOSE || text.chars().any(char::is_control) {
                return Err(invalid());
            }
            (!text.is_empty()).then(|| text.to_owned())
        }
    };
    Ok(Accessor {
        actor: caller.0.id.clone(),
        role: caller.0.role.as_str().to_owned(),
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        purpose,
    })
}

/// Whether reads by this caller are audited: staff and ministries (an
/// applicant reading their own case is not).
pub fn audited(caller: &Caller) -> bool {
    caller.0.role != Role::Applicant
}

/// Records that `caller` read the particulars of case `case_id`.
pub async fn record_read(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    action: AuditAction,
    case_id: Uuid,
) -> Result<(), ApiError> {
    if !audited(caller) {
        return Ok(());
    }
    let who = accessor(req, caller)?;
    audit::record(&state.pool, &who, action, Some(case_id), None).await?;
    Ok(())
}

/// Records that `caller` was shown the names of the cases `case_ids` (a
/// page of the work queue).
pub async fn record_names_shown(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    case_ids: &[Uuid],
) -> Result<(), ApiError> {
    if !audited(caller) {
        return Ok(());
    }
    let who = accessor(req, caller)?;
    audit::record_each(&state.pool, &who, AuditAction::ReadNameInQueue, case_ids).await?;
    Ok(())
}

/// Audit filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor (token subject or client id).
    pub actor: Option<String>,
    /// Only this case.
    pub case_id: Option<Uuid>,
    /// Only accesses to this holder's data (the applicant's token subject):
    /// what they see in their own access log.
    pub holder: Option<String>,
    /// Records at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Records before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// One access to personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The token subject, the ministry client's id, or the system job.
    pub actor: String,
    /// The opaque id holders see for this actor in their access log.
    pub accessor_ref: Uuid,
    /// The role: applicant, examiner, senior_examiner, ministry, admin or system.
    pub role: String,
    /// READ_REGISTRATION, READ_CHANGE_REQUEST, READ_SANCTION, READ_ATTACHMENT,
    /// LOOK_UP_REGISTRATION, INQUIRE_REGISTERS, REVEAL_MY_NUMBER or
    /// READ_NAME_IN_QUEUE.
    pub action: String,
    /// The kind of the case: REGISTRATION, CHANGE_REQUEST or SANCTION.
    pub case_type: Option<String>,
    /// The case read, or the case the access was made for.
    pub case_id: Option<Uuid>,
    /// The vault entry used or revealed (INQUIRE_REGISTERS, REVEAL_MY_NUMBER).
    pub vault_id: Option<Uuid>,
    /// The document read (READ_ATTACHMENT).
    pub attachment_id: Option<Uuid>,
    pub request_id: Option<String>,
    /// What the caller said it was for (`X-Purpose`).
    pub purpose: Option<String>,
}

impl From<AuditRecord> for AuditView {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            at: r.at,
            actor: r.actor,
            accessor_ref: r.accessor_ref,
            role: r.role,
            action: r.action,
            case_type: r.case_type,
            case_id: r.case_id,
            vault_id: r.vault_id,
            attachment_id: r.attachment_id,
            request_id: r.request_id,
            purpose: r.purpose,
        }
    }
}

/// A page of audit records, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Who read personal particulars or documents, looked a holder up, asked the
/// registers or revealed a My Number, newest first (admin).
#[utoipa::path(
    operation_id = "list_audit_records",
    tag = "operations",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of audit records", body = AuditPage),
        (status = 400, description = "Invalid filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/admin/audit")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = pagination::sequence(q.cursor.as_deref())?;
    let filter = AuditFilter {
        actor: q.actor,
        case_id: q.case_id,
        holder: q.holder,
        from: q.from,
        to: q.to,
        before,
        limit,
    };
    let rows = audit::list(&state.pool, &filter).await?;
    let (rows, next_cursor) = pagination::page_by(rows, limit, |r| r.id.to_string());
    let items = rows.into_iter().map(AuditView::from).collect();
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}
