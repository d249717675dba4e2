//! The examiners' work queue.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use views::queue::{self, QueueFilter};

use crate::auth::Caller;
use crate::case::{CaseType, Procedure, Status};
use crate::error::{ApiError, Problem};
use crate::pagination;
use crate::AppState;

/// Queue filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only cases in this status, e.g. UNDER_EXAMINATION; without it, only
    /// open cases (not yet decided) unless `all` is true.
    pub status: Option<Status>,
    /// With no status: every case, decided ones too (default false: open cases only).
    pub all: Option<bool>,
    /// Only cases of this qualification.
    pub qualification_code: Option<String>,
    /// Only cases of this procedure: `RENEWAL` lists the renewals to examine.
    pub procedure: Option<Procedure>,
    /// Only cases assigned to this examiner.
    pub assigned_to: Option<String>,
    /// Only undecided cases past their due date.
    pub overdue: Option<bool>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// A case in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub case_type: CaseType,
    pub case_id: Uuid,
    pub qualification_code: String,
    pub procedure: Procedure,
    pub status: Status,
    pub submitted_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub assigned_to: Option<String>,
    /// Flags raised on the case (e.g. register inquiry mismatches).
    pub flags: Vec<String>,
    /// The holder's family name (the register's current one, else the one
    /// applied with). Showing it is recorded as a read (READ_NAME_IN_QUEUE).
    pub family_name: Option<String>,
    /// The holder's given name, as `family_name`.
    pub given_name: Option<String>,
}

/// A page of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The work queue over every kind of case, ordered by due date: open cases by
/// default. Each row names its applicant or holder; the page is recorded in
/// the audit log as a read of each case's name (with `X-Purpose`).
#[utoipa::path(
    operation_id = "list_queue",
    tag = "examination",
    params(QueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of cases", body = QueuePage),
        (status = 400, description = "Invalid filter, cursor or limit, or an X-Purpose that is not short text", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an examiner", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/queue")]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Examiner, Role::SeniorExaminer])?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let filter = QueueFilter {
        status: q.status.map(Into::into),
        qualification_code: q.qualification_code,
        procedure: q.procedure.map(Into::into),
        assigned_to: q.assigned_to,
        overdue: q.overdue.unwrap_or(false),
        open_only: q.status.is_none() && !q.all.unwrap_or(false),
        after: pagination::decode(q.cursor.as_deref())?,
        limit,
    };
    let rows = queue::list(&state.pool, &filter, Utc::now()).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.due_at, r.case_id));
    // The names are personal data: their display is recorded before it happens.
    let named: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.name.is_some())
        .map(|r| r.case_id)
        .collect();
    crate::audit::record_names_shown(&state, &req, &caller, &named).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(QueueItem {
                case_type: CaseType(r.case_type),
                case_id: r.case_id,
                qualification_code: r.qualification_code,
                procedure: r.procedure.into(),
                status: r.status.into(),
                submitted_at: r.submitted_at,
                due_at: r.due_at,
                assigned_to: r.assigned_to,
                flags: serde_json::from_value(r.flags).unwrap_or_default(),
                family_name: r.name.as_ref().map(|n| n.0.clone()),
                given_name: r.name.map(|n| n.1),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(QueuePage { items, next_cursor }))
}
