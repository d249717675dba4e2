//! The applicant's inbox: the notices the office sent them, with the same
//! text as the mail. Only applicants have an inbox; examiners, ministries and
//! administrators are told so (403) rather than shown an empty list.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use workers::notification::inbox;

use crate::auth::Caller;
use crate::case::CaseType;
use crate::error::{ApiError, Problem};
use crate::pagination;
use crate::AppState;

/// Inbox paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// One notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// received, payment_requested, action_required, registered, rejected,
    /// withdrawn, change_applied, certificate_ready, refund_issued or
    /// holder_linked (a paper-era registration linked online),
    /// link_dispute_resolved (the office resolved a dispute of that link) or
    /// credential_offer_code (the transaction code of a wallet credential offer),
    /// credential_revoked or credential_suspended (a certificate or wallet
    /// credential of the holder's stopped being valid, or was suspended),
    /// sanction_opened, sanction_in_force (a sanction case on the holder's
    /// registration) or suspension_lifted.
    #[schema(example = "registered")]
    pub kind: String,
    pub case_type: CaseType,
    pub case_id: Uuid,
    /// `ja` or `en`.
    pub language: String,
    pub subject: String,
    pub body: String,
    /// The Message-ID of the mail carrying this notice.
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    /// When the mail was handed to the mail server; absent until then, or
    /// when the case gave no email address.
    pub mailed_at: Option<DateTime<Utc>>,
}

/// A page of notices.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The caller's own notices, newest first.
#[utoipa::path(
    operation_id = "list_notifications",
    tag = "notifications",
    params(InboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the caller's notices, newest first", body = NotificationPage),
        (status = 400, description = "Invalid cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only applicants have an inbox (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant])?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode(q.cursor.as_deref())?;
    let rows = inbox::list(&state.pool, &caller.0.id, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id));
    let items = rows
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            kind: n.kind,
            case_type: CaseType(n.case_type),
            case_id: n.case_id,
            language: n.language,
            subject: n.subject,
            body: n.body,
            message_id: n.message_id,
            created_at: n.created_at,
            mailed_at: n.mailed_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(NotificationPage { items, next_cursor }))
}
