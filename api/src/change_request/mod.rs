//! Change-request endpoints: file a request against a registration, follow
//! it, and the examination actions (the same as for registrations).

mod input;
mod resource;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::change_request::{ChangeDetails, ChangeRequest, ChangeRequestCommand};
use domain::examination::ExaminationCommand;
use domain::examination::Outcome;
use domain::registration::{Channel, RegistrationCommand};
use domain::{Actor, Role};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{etag, if_match, JsonBody};
use crate::idempotency::{self, Created};
use crate::registration::{
    metadata, AssignmentInput, ChannelInput, InformationRequestInput, OutcomeInput, ProposalInput,
    ResponseInput,
};
use crate::AppState;
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
        projections::store::history(&state.pool, ChangeRequest::TYPE, &id.to_string()).await?;
    resource::render(id, request, version, history, viewer).ok_or(ApiError::NotFound)
}

/// Answers 200 with a change request's state and its ETag.
pub(crate) async fn render_change_request(
    state: &AppState,
    id: Uuid,
    request: &ChangeRequest,
    version: usize,
    viewer: &Actor,
) -> Result<HttpResponse, ApiError> {
    Ok(ok(
        render(state, id, request, version, viewer).await?,
        version,
    ))
}

fn ok(body: ChangeRequestResource, version: usize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("ETag", etag(version)))
        .json(body)
}

/// File a change request against your registration (a relative may notify a death).
#[utoipa::path(
    tag = "change-requests",
    request_body = NewChangeRequest,
    params(
        ("id" = Uuid, Path, description = "The registration"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same body within 24 h"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed; pay at payment.checkout_url unless free", body = ChangeRequestResource,
            headers(("Location" = String, description = "The new resource"), ("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not file on this channel", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request of this kind is open (CHANGE_REQUEST_OPEN), or the registration is not on the register", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown kind, or procedure not offered for this qualification", body = Problem, content_type = "application/problem+json"),
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
    let actor = caller.0.clone();
    let input = body.value;
    let channel = match input.channel {
        Some(ChannelInput::Paper) => Channel::Paper,
        Some(ChannelInput::Online) | None => Channel::Online,
    };
    let allowed = match channel {
        Channel::Online => actor.role == Role::Applicant,
        Channel::Paper => actor.role.is_examiner(),
    };
    if !allowed {
        return Err(ApiError::Forbidden {
            code: "WRONG_ROLE",
            detail: "holders file ONLINE; examiners enter PAPER requests".into(),
        });
    }
    let valid = input.validate().map_err(ApiError::Validation)?;
    let attachments = crate::attachment::referenced(&state, &input.attachment_ids, &caller).await?;
    let registration_id = registration_id.into_inner();
    let details = ChangeDetails {
        kind: valid.kind,
        changes: valid.changes,
        deletion_reason: valid.deletion_reason,
        date_of_death: input.date_of_death,
        notifier_relationship: input.notifier_relationship,
        attachments,
        note: valid.note,
        filed_by: actor.id.clone(),
        channel,
        email: input.email,
        preferred_language: valid.preferred_language,
    };
    idempotency::create(&state.pool, &req, &actor.id, &body.raw, || async {
        let (request_id, request, version) =
            file(&state, &req, &actor, registration_id, details).await?;
        let body = render(&state, request_id, &request, version, &actor).await?;
        Ok(Created {
            location: format!("/v1/change-requests/{request_id}"),
            etag: etag(version),
            body: serde_json::to_vec(&body).map_err(|e| ApiError::Internal(e.to_string()))?,
        })
    })
    .await
}

/// Files a change request: the registration reserves the slot, then the
/// request opens. Returns its id, state and version.
pub(crate) async fn file(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    registration_id: Uuid,
    details: ChangeDetails,
) -> Result<(Uuid, ChangeRequest, usize), ApiError> {
    let request_id = Uuid::new_v4();
    let now = Utc::now();
    // The registration reserves the slot (one open request per kind);
    // the process manager opens the request too if we stop after this.
    let file = RegistrationCommand::FileChangeRequest {
        request_id,
        details: Box::new(details.clone()),
        actor: actor.clone(),
        at: now,
    };
    let (reg, _) = state
        .registrations
        .execute(
            &registration_id.to_string(),
            file,
            None,
            metadata(req, actor),
        )
        .await?;
    // The process manager may open it at the same moment: both are idempotent.
    let submit = ChangeRequestCommand::Submit {
        registration_id,
        qualification_code: reg.qualification_code.clone(),
        holder: reg.owner.clone(),
        details: Box::new(details),
        at: now,
    };
    let (request, version) = state
        .change_requests
        .execute(&request_id.to_string(), submit, None, metadata(req, actor))
        .await?;
    Ok((request_id, request, version))
}

/// Filters and paging of the change-request list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only requests against this registration.
    pub registration_id: Option<Uuid>,
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

/// A row of the change-request list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChangeRequestSummary {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub kind: String,
    pub channel: String,
    pub qualification_code: String,
    pub status: String,
    pub fee: crate::qualifications::Money,
    /// APPLIED once the registration changed; otherwise why it could not be.
    pub outcome: Option<String>,
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
    tag = "change-requests",
    params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of change requests, oldest first", body = ChangeRequestPage),
        (status = 400, description = "Invalid filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/change-requests")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    use projections::change_status::{self, ChangeFilter};
    let q = query.into_inner();
    let limit = crate::pagination::limit(q.limit)?;
    let filter = ChangeFilter {
        party: (caller.0.role == Role::Applicant).then(|| caller.0.id.clone()),
        registration_id: q.registration_id,
        status: q.status,
        after: crate::pagination::decode(q.cursor.as_deref())?,
        limit,
    };
    let rows = change_status::list(&state.pool, &filter).await?;
    let (rows, next_cursor) = crate::pagination::page(rows, limit, |r| (r.submitted_at, r.id));
    let items = rows
        .into_iter()
        .map(|r| ChangeRequestSummary {
            id: r.id,
            registration_id: r.registration_id,
            kind: r.kind,
            channel: r.channel,
            qualification_code: r.qualification_code,
            status: r.status,
            fee: crate::qualifications::Money::yen(r.fee_total),
            outcome: r.outcome,
            submitted_at: r.submitted_at,
            version: r.version,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ChangeRequestPage { items, next_cursor }))
}

/// The status of one change request, read from its events.
#[utoipa::path(
    tag = "change-requests",
    params(("id" = Uuid, Path, description = "The change request")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The change request", body = ChangeRequestResource, headers(("ETag" = String, description = "Aggregate version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/change-requests/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (request, version) = state.change_requests.load(&id.to_string()).await?;
    let viewer = &caller.0;
    let foreign = viewer.role == Role::Applicant && request.owner() != Some(viewer.id.as_str());
    if !request.exists() || foreign {
        return Err(ApiError::NotFound);
    }
    Ok(ok(
        render(&state, id, &request, version, viewer).await?,
        version,
    ))
}

async fn act(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    command: impl FnOnce(Actor, DateTime<Utc>) -> ChangeRequestCommand,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(req)?;
    let actor = caller.0.clone();
    let meta = metadata(req, &actor);
    let (request, version) = state
        .change_requests
        .execute(&id.to_string(), command(actor, Utc::now()), expected, meta)
        .await?;
    Ok(ok(
        render(state, id, &request, version, &caller.0).await?,
        version,
    ))
}

/// Withdraw your change request while it is undecided.
#[utoipa::path(
    tag = "change-requests",
    params(("id" = Uuid, Path, description = "The change request"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = ChangeRequestResource),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the filer may withdraw", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/change-requests/{id}/withdrawal")]
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        ChangeRequestCommand::Examination(ExaminationCommand::Withdraw { actor, at })
    })
    .await
}

/// Answer an information request on your change request.
#[utoipa::path(
    tag = "change-requests",
    request_body = ResponseInput,
    params(("id" = Uuid, Path, description = "The change request"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Back under examination", body = ChangeRequestResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the filer may respond", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No open information request", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/change-requests/{id}/responses")]
pub async fn respond(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<ResponseInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.value;
    input.validate().map_err(ApiError::Validation)?;
    let attachments = crate::attachment::referenced(&state, &input.attachment_ids, &caller).await?;
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        ChangeRequestCommand::Examination(ExaminationCommand::Respond {
            message: input.message,
            attachments,
            actor,
            at,
        })
    })
    .await
}

/// Claim or reassign a change request.
#[utoipa::path(
    tag = "examination",
    request_body = AssignmentInput,
    params(("id" = Uuid, Path, description = "The change request"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Assigned", body = ChangeRequestResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an examiner, or assigning someone else without being senior", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already assigned or not under examination", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/change-requests/{id}/assignment")]
pub async fn assign(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<AssignmentInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Examiner, Role::SeniorExaminer])?;
    let examiner = body.value.examiner.unwrap_or_else(|| caller.0.id.clone());
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        ChangeRequestCommand::Examination(ExaminationCommand::Assign {
            examiner,
            actor,
            at,
        })
    })
    .await
}

/// Ask the filer for information; the request moves to ACTION_REQUIRED.
#[utoipa::path(
    tag = "examination",
    request_body = InformationRequestInput,
    params(("id" = Uuid, Path, description = "The change request"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Action required", body = ChangeRequestResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the assigned examiner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not assigned or not under examination", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/change-requests/{id}/information-requests")]
pub async fn request_information(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<InformationRequestInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Examiner, Role::SeniorExaminer])?;
    let input = body.value;
    input.validate().map_err(ApiError::Validation)?;
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        ChangeRequestCommand::Examination(ExaminationCommand::RequestInformation {
            reason_code: input.reason_code,
            message: input.message,
            actor,
            at,
        })
    })
    .await
}

/// Propose APPROVE or REJECT for a change request.
#[utoipa::path(
    tag = "examination",
    request_body = ProposalInput,
    params(("id" = Uuid, Path, description = "The change request"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Proposal recorded", body = ChangeRequestResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the assigned examiner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not assigned, not under examination, or a proposal is pending", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/change-requests/{id}/decision-proposals")]
pub async fn propose(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<ProposalInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Examiner, Role::SeniorExaminer])?;
    let input = body.value;
    input.validate().map_err(ApiError::Validation)?;
    let outcome = match input.outcome {
        OutcomeInput::Approve => Outcome::Approve,
        OutcomeInput::Reject => Outcome::Reject,
    };
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        ChangeRequestCommand::Examination(ExaminationCommand::ProposeDecision {
            outcome,
            reason_code: input.reason_code,
            note: input.note,
            actor,
            at,
        })
    })
    .await
}

/// Confirm the pending proposal; on approval the registration changes.
#[utoipa::path(
    tag = "examination",
    params(("id" = Uuid, Path, description = "The change request"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decision in effect", body = ChangeRequestResource),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a senior examiner, or the proposer (FOUR_EYES_REQUIRED)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such change request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No proposal to approve, or already decided", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/change-requests/{id}/decision-approvals")]
pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::SeniorExaminer])?;
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        ChangeRequestCommand::Examination(ExaminationCommand::ApproveDecision { actor, at })
    })
    .await
}
