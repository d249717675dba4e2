//! Registration endpoints: apply, look up, and every examination action.

mod input;
mod resource;

use std::collections::HashMap;

use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::examination::ExaminationCommand;
use domain::examination::Outcome;
use domain::registration::{Applicant, Channel, QualificationRegistration, RegistrationCommand};
use domain::{Actor, Role};
use projections::status::{self, StatusFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{etag, if_match, JsonBody};
use crate::idempotency::{self, Created};
use crate::qualifications::Money;
use crate::telemetry::RequestId;
use crate::{pagination, AppState};
pub use input::*;
pub use resource::*;

pub(crate) fn metadata(req: &HttpRequest, actor: &Actor) -> HashMap<String, String> {
    let mut m = HashMap::from([
        ("actor".to_owned(), actor.id.clone()),
        ("role".to_owned(), actor.role.as_str().to_owned()),
    ]);
    if let Some(id) = req.extensions().get::<RequestId>() {
        m.insert("request_id".to_owned(), id.0.clone());
    }
    m
}

/// Loads a registration the viewer may see, or 404.
pub(crate) async fn visible(
    state: &AppState,
    id: Uuid,
    viewer: &Actor,
) -> Result<(QualificationRegistration, usize), ApiError> {
    let (reg, version) = state.registrations.load(&id.to_string()).await?;
    let foreign =
        viewer.role == Role::Applicant && reg.owner.as_deref() != Some(viewer.id.as_str());
    if !reg.exists() || foreign {
        return Err(ApiError::NotFound);
    }
    Ok((reg, version))
}

/// Renders a state just loaded or just produced by a command.
async fn resource(
    state: &AppState,
    id: Uuid,
    reg: &QualificationRegistration,
    version: usize,
    viewer: &Actor,
) -> Result<RegistrationResource, ApiError> {
    let history = projections::store::history(
        &state.pool,
        QualificationRegistration::TYPE,
        &id.to_string(),
    )
    .await?;
    Ok(resource::render(id, reg, version, history, viewer))
}

fn respond_with(body: RegistrationResource, version: usize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("ETag", etag(version)))
        .json(body)
}

/// Answers 200 with a registration state and its ETag.
pub(crate) async fn render_registration(
    state: &AppState,
    id: Uuid,
    reg: &QualificationRegistration,
    version: usize,
    viewer: &Actor,
) -> Result<HttpResponse, ApiError> {
    let body = resource(state, id, reg, version, viewer).await?;
    Ok(respond_with(body, version))
}

async fn show(state: &AppState, id: Uuid, viewer: &Actor) -> Result<HttpResponse, ApiError> {
    let (reg, version) = visible(state, id, viewer).await?;
    let body = resource(state, id, &reg, version, viewer).await?;
    Ok(respond_with(body, version))
}

/// Runs one command against a registration and answers with its new state.
async fn act(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    command: impl FnOnce(Actor, DateTime<Utc>) -> RegistrationCommand,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(req)?;
    let actor = caller.0.clone();
    let meta = metadata(req, &actor);
    let (reg, version) = state
        .registrations
        .execute(&id.to_string(), command(actor, Utc::now()), expected, meta)
        .await?;
    let body = resource(state, id, &reg, version, &caller.0).await?;
    Ok(respond_with(body, version))
}

/// Apply for a new registration (applicants online; examiners enter paper applications).
#[utoipa::path(
    tag = "registrations",
    request_body = NewRegistration,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same body within 24 h")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Submitted; pay at payment.checkout_url", body = RegistrationResource,
            headers(("Location" = String, description = "The new resource"), ("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not apply on this channel", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Same Idempotency-Key still in flight", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<NewRegistration>,
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
            detail: "applicants apply ONLINE; examiners enter PAPER applications".into(),
        });
    }
    let known = state
        .catalogue
        .qualification(&input.qualification_code)
        .is_some();
    let number = input.validate(known).map_err(ApiError::Validation)?;
    idempotency::create(&state.pool, &req, &actor.id, &body.raw, || async {
        let (id, resource, version) = submit(&state, &req, &actor, channel, input, &number).await?;
        Ok(Created {
            location: format!("/v1/registrations/{id}"),
            etag: etag(version),
            body: serde_json::to_vec(&resource).map_err(|e| ApiError::Internal(e.to_string()))?,
        })
    })
    .await
}

/// Stores the My Number in the vault and submits an application.
pub(crate) async fn submit(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    channel: Channel,
    input: NewRegistration,
    number: &domain::my_number::MyNumber,
) -> Result<(Uuid, RegistrationResource, usize), ApiError> {
    let my_number_ref = state.vault.store(number).await?;
    let id = Uuid::new_v4();
    let command = RegistrationCommand::Submit {
        qualification_code: input.qualification_code,
        applicant: Box::new(Applicant {
            family_name: input.family_name,
            given_name: input.given_name,
            family_name_kana: input.family_name_kana,
            given_name_kana: input.given_name_kana,
            date_of_birth: input.date_of_birth,
            address: input.address,
            registered_domicile: input.registered_domicile,
            email: input.email,
            exam_pass_number: input.exam_pass_number,
            preferred_language: input
                .preferred_language
                .as_deref()
                .and_then(domain::language::Language::parse)
                .unwrap_or_default(),
        }),
        my_number_ref,
        channel,
        owner: (channel == Channel::Online).then(|| actor.id.clone()),
        actor: actor.clone(),
        at: Utc::now(),
    };
    let (reg, version) = state
        .registrations
        .execute(&id.to_string(), command, Some(0), metadata(req, actor))
        .await?;
    let resource = resource(state, id, &reg, version, actor).await?;
    Ok((id, resource, version))
}

/// Filters and paging of the registration list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<String>,
    pub qualification_code: Option<String>,
    /// Look a registration up by its number.
    pub registration_number: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

/// List applications: applicants see their own; examiners and ministries all, with filters.
#[utoipa::path(
    tag = "registrations",
    params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of applications, oldest first", body = RegistrationPage),
        (status = 400, description = "Invalid filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let filter = StatusFilter {
        owner: (caller.0.role == Role::Applicant).then(|| caller.0.id.clone()),
        qualification_code: q.qualification_code,
        status: q.status,
        registration_number: q.registration_number,
        after: pagination::decode(q.cursor.as_deref())?,
        limit,
    };
    let rows = status::list(&state.pool, &filter).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.submitted_at, r.id));
    let items = rows
        .into_iter()
        .map(|r| RegistrationSummary {
            id: r.id,
            status: r.status,
            qualification_code: r.qualification_code,
            channel: r.channel,
            fee: Money::yen(r.fee_total),
            paid: r.paid,
            submitted_at: r.submitted_at,
            due_at: r.due_at,
            registration_number: r.registration_number,
            version: r.version,
        })
        .collect();
    Ok(HttpResponse::Ok().json(RegistrationPage { items, next_cursor }))
}

/// The status of one application, read from its events (never stale).
#[utoipa::path(
    tag = "registrations",
    params(("id" = Uuid, Path, description = "The application id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The application", body = RegistrationResource, headers(("ETag" = String, description = "Aggregate version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    show(&state, id.into_inner(), &caller.0).await
}

/// Withdraw your application while it is undecided.
#[utoipa::path(
    tag = "registrations",
    params(("id" = Uuid, Path, description = "The application id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = RegistrationResource),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the applicant may withdraw", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided (ALREADY_DECIDED)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/withdrawal")]
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        RegistrationCommand::Examination(ExaminationCommand::Withdraw { actor, at })
    })
    .await
}

/// Answer an information request (ACTION_REQUIRED), optionally with attachments.
#[utoipa::path(
    tag = "registrations",
    request_body = ResponseInput,
    params(("id" = Uuid, Path, description = "The application id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Back under examination", body = RegistrationResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the applicant may respond", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No open information request (NOT_ACTION_REQUIRED)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/responses")]
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
        RegistrationCommand::Examination(ExaminationCommand::Respond {
            message: input.message,
            attachments,
            actor,
            at,
        })
    })
    .await
}

/// Claim a case (examiner, for themselves) or reassign it (senior examiner).
#[utoipa::path(
    tag = "examination",
    request_body = AssignmentInput,
    params(("id" = Uuid, Path, description = "The application id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Assigned", body = RegistrationResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an examiner, or assigning someone else without being senior", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already assigned, not under examination, or a concurrent claim won", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/assignment")]
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
        RegistrationCommand::Examination(ExaminationCommand::Assign {
            examiner,
            actor,
            at,
        })
    })
    .await
}

/// Ask the applicant for information; the case moves to ACTION_REQUIRED.
#[utoipa::path(
    tag = "examination",
    request_body = InformationRequestInput,
    params(("id" = Uuid, Path, description = "The application id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Action required from the applicant", body = RegistrationResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the assigned examiner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not assigned, not under examination, or a proposal is pending", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/information-requests")]
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
        RegistrationCommand::Examination(ExaminationCommand::RequestInformation {
            reason_code: input.reason_code,
            message: input.message,
            actor,
            at,
        })
    })
    .await
}

/// Propose APPROVE or REJECT; a senior examiner other than you confirms.
#[utoipa::path(
    tag = "examination",
    request_body = ProposalInput,
    params(("id" = Uuid, Path, description = "The application id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Proposal recorded", body = RegistrationResource),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the assigned examiner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not assigned, not under examination, or a proposal is pending", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/decision-proposals")]
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
        RegistrationCommand::Examination(ExaminationCommand::ProposeDecision {
            outcome,
            reason_code: input.reason_code,
            note: input.note,
            actor,
            at,
        })
    })
    .await
}

/// Confirm the pending proposal (a senior examiner who did not propose it).
/// On approval the registration number is assigned.
#[utoipa::path(
    tag = "examination",
    params(("id" = Uuid, Path, description = "The application id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decision in effect", body = RegistrationResource),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a senior examiner, or the proposer (FOUR_EYES_REQUIRED)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No proposal to approve, or already decided", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/decision-approvals")]
pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::SeniorExaminer])?;
    act(&state, &req, &caller, id.into_inner(), |actor, at| {
        RegistrationCommand::Examination(ExaminationCommand::ApproveDecision { actor, at })
    })
    .await
}
