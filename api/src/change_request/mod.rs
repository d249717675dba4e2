//! Change-request endpoints: file a request against a registration, follow
//! it, and the examination actions (the same as for registrations).

mod endpoints;
mod input;
mod resource;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use cqrs_es::Aggregate;
use domain::change_request::ChangeRequest;
use domain::{Actor, Role};
use uuid::Uuid;

use crate::application::Handled;
use crate::auth::Caller;
use crate::case::{self, ChangeKind, ChangeOutcome, Status};
use crate::error::{ApiError, Problem};
use crate::examination::ExaminedCase;
use crate::extract::{etag, ok_with_etag, JsonBody};
use crate::idempotency::{self, Created};
use crate::telemetry::context;
use crate::AppState;
pub use endpoints::*;
use eventstore::store::Executed;
pub use input::*;
pub use resource::*;

async fn render(
    state: &AppState,
    id: Uuid,
    request: &ChangeRequest,
    version: usize,
    viewer: &Actor,
) -> Result<ChangeRequestResource, ApiError> {
    let history =
        eventstore::store::history(&state.pool, ChangeRequest::TYPE, &id.to_string()).await?;
    resource::render(id, request, version, history, viewer).ok_or(ApiError::NotFound)
}

/// Answers 200 with the change request a command left, and its ETag.
pub(crate) fn respond(
    id: Uuid,
    done: Executed<ChangeRequest>,
    viewer: &Actor,
) -> Result<HttpResponse, ApiError> {
    let body = resource::render(id, &done.state, done.version, done.history, viewer)
        .ok_or(ApiError::NotFound)?;
    Ok(ok_with_etag(body, done.version))
}

impl ExaminedCase for ChangeRequest {
    fn respond(id: Uuid, done: Executed<Self>, viewer: &Actor) -> Result<HttpResponse, ApiError> {
        respond(id, done, viewer)
    }
}

/// File a change request against your registration (a relative may notify a death).
#[utoipa::path(
    operation_id = "create_change_request",
    tag = "change-requests",
    request_body = NewChangeRequest,
    params(
        ("id" = Uuid, Path, description = "The registration"),
        ("Idempotency-Key" = Option<String>, Header, description = "Per caller, method and path: replays the first answer for the same body within 24 h"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed; pay at payment.checkout_url unless free", body = ChangeRequestResource,
            headers(("Location" = String, description = "The new resource"), ("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not file on this channel", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request of this kind is open (CHANGE_REQUEST_OPEN), an ENDORSEMENT adds one the registration carries (ENDORSEMENT_ALREADY_HELD) or removes one it does not (ENDORSEMENT_NOT_HELD), the registration is not on the register, the procedure is not yet online for the qualification (PROCEDURE_NOT_YET_ONLINE) or its fee is not set (FEE_UNKNOWN), or the same Idempotency-Key is still in flight (REQUEST_IN_FLIGHT)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (for ENDORSEMENT: a code the qualification does not define, UNKNOWN_ENDORSEMENT at /changes/endorsement_code; the evidence its catalogue entry asks for missing, REQUIRED at /attachment_ids), unknown kind, procedure not offered for this qualification, or Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/change-requests")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    registration_id: web::Path<Uuid>,
    body: JsonBody<NewChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let context = context(&req, &caller.0);
    let use_cases = state.use_cases();
    let checked = use_cases.check_change(&context, body.value.into_change())?;
    let registration_id = registration_id.into_inner();
    idempotency::create(&state.pool, &req, &caller.0.id, &body.raw, || async {
        let pending = use_cases
            .file_change_request(&context, registration_id, checked)
            .await?;
        pending.try_map(|Handled { id, case }| {
            let body = resource::render(id, &case.state, case.version, case.history, &caller.0)
                .ok_or(ApiError::NotFound)?;
            Ok(Created {
                location: format!("/v1/change-requests/{id}"),
                etag: etag(case.version),
                body: serde_json::to_vec(&body).map_err(|e| ApiError::Internal(e.to_string()))?,
            })
        })
    })
    .await
}

/// Filters and paging of the change-request list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only requests against this registration.
    pub registration_id: Option<Uuid>,
    /// Only requests in this status.
    pub status: Option<Status>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// A row of the change-request list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChangeRequestSummary {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub kind: ChangeKind,
    pub channel: case::Channel,
    pub qualification_code: String,
    pub status: Status,
    pub fee: crate::qualifications::Money,
    /// APPLIED once the registration changed; otherwise why it could not be.
    pub outcome: Option<ChangeOutcome>,
    pub submitted_at: chrono::DateTime<Utc>,
    pub version: i64,
}

/// A page of change requests.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChangeRequestPage {
    pub items: Vec<ChangeRequestSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// List change requests: applicants see those they filed or whose registration they hold.
#[utoipa::path(
    operation_id = "list_change_requests",
    tag = "change-requests",
    params(ListQuery),
    security(("ministry" = ["registrations:read"]), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of change requests, oldest first", body = ChangeRequestPage),
        (status = 400, description = "Invalid filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A ministry client token without the registrations:read scope (INSUFFICIENT_SCOPE)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A ministry client over its rate (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/change-requests")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    use views::change_status::{self, ChangeFilter};
    let q = query.into_inner();
    let limit = crate::pagination::limit(q.limit)?;
    caller.require_scope(crate::oauth::REGISTRATIONS_READ)?;
    let filter = ChangeFilter {
        party: (caller.0.role == Role::Applicant).then(|| caller.0.id.clone()),
        qualification_codes: crate::scope::qualifications(&state, &caller),
        registration_id: q.registration_id,
        status: q.status.map(Into::into),
        after: crate::pagination::decode(q.cursor.as_deref())?,
        limit,
    };
    let rows = change_status::list(&state.pool, &filter).await?;
    let (rows, next_cursor) = crate::pagination::page(rows, limit, |r| (r.submitted_at, r.id));
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(ChangeRequestSummary {
                id: r.id,
                registration_id: r.registration_id,
                kind: r.kind.try_into()?,
                channel: r.channel.into(),
                qualification_code: r.qualification_code,
                status: r.status.into(),
                fee: crate::qualifications::Money::yen(r.fee_total),
                outcome: r.outcome.as_deref().map(case::parse).transpose()?,
                submitted_at: r.submitted_at,
                version: r.version,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(ChangeRequestPage { items, next_cursor }))
}

/// The status of one change request, read from its events.
#[utoipa::path(
    operation_id = "get_change_request",
    tag = "change-requests",
    params(
        ("id" = Uuid, Path, description = "The change request"),
        ("X-Purpose" = Option<String>, Header, description = "Why staff read the particulars; kept in the audit log (at most 200 characters)"),
    ),
    security(("ministry" = ["registrations:read"]), ("bearer" = [])),
    responses(
        (status = 200, description = "The change request", body = ChangeRequestResource, headers(("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "X-Purpose too long or not text (INVALID_PURPOSE)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A ministry client token without the registrations:read scope (INSUFFICIENT_SCOPE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, not yours, or not of a qualification your ministry supervises", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A ministry client over its rate (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/change-requests/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_scope(crate::oauth::REGISTRATIONS_READ)?;
    let id = id.into_inner();
    let (request, version) = state.cases.change_requests.load(&id.to_string()).await?;
    let viewer = &caller.0;
    // An applicant sees a request they filed, and every request filed against a
    // registration they hold (the list shows both).
    let party = |who: Option<&str>| who == Some(viewer.id.as_str());
    let foreign = viewer.role == Role::Applicant
        && !party(request.owner())
        && !party(request.holder.as_deref());
    if !request.exists() || foreign {
        return Err(ApiError::NotFound);
    }
    crate::scope::check(&state, &caller, &request.qualification_code)?;
    let body = render(&state, id, &request, version, viewer).await?;
    // Ministries see no particulars here (see resource.rs); staff reads are
    // recorded before answering.
    if caller.0.role != Role::Ministry {
        let action = adapters::audit::AuditAction::ReadChangeRequest;
        crate::audit::record_read(&state, &req, &caller, action, id).await?;
    }
    Ok(ok_with_etag(body, version))
}
