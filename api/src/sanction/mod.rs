//! Sanction endpoints: an examiner opens a suspension or a revocation on a
//! registration, anyone entitled follows it, and it is examined with the
//! same actions as every case (`endpoints.rs`).

mod endpoints;
mod resource;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use cqrs_es::Aggregate;
use domain::sanction::Sanction;
use domain::{Actor, Role};
use uuid::Uuid;

use crate::application::{Handled, SanctionInput};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::examination::ExaminedCase;
use crate::extract::{etag, ok_with_etag, JsonBody};
use crate::idempotency::{self, Created};
use crate::telemetry::context;
use crate::AppState;
pub use endpoints::*;
use eventstore::store::Executed;
pub use resource::*;

impl ExaminedCase for Sanction {
    fn respond(id: Uuid, done: Executed<Self>, viewer: &Actor) -> Result<HttpResponse, ApiError> {
        let body = resource::render(id, &done.state, done.version, done.history, viewer)
            .ok_or(ApiError::NotFound)?;
        Ok(ok_with_etag(body, done.version))
    }
}

/// Open a sanction case (suspension or revocation) on a registration (examiners).
#[utoipa::path(
    operation_id = "create_sanction",
    tag = "sanctions",
    request_body = NewSanction,
    params(
        ("id" = Uuid, Path, description = "The registration"),
        ("Idempotency-Key" = Option<String>, Header, description = "Per caller, method and path: replays the first answer for the same body within 24 h"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened, under examination", body = SanctionResource,
            headers(("Location" = String, description = "The new resource"), ("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "Malformed JSON (e.g. a date that is not YYYY-MM-DD, an unknown kind)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only examiners open sanction cases (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The registration is not on the register (NOT_REGISTERED, REGISTRATION_DELETED, REGISTRATION_REVOKED), or the same Idempotency-Key is still in flight (REQUEST_IN_FLIGHT)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (VALIDATION_FAILED: a start in the past, a suspension without an end after its start, a revocation with an end, missing grounds, a kind the qualification's Act does not provide (`SANCTION_NOT_PROVIDED` at `/kind`), no legal basis given where the catalogue records none), or Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/sanctions")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    registration_id: web::Path<Uuid>,
    body: JsonBody<NewSanction>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Examiner, Role::SeniorExaminer])?;
    let context = context(&req, &caller.0);
    let use_cases = state.use_cases();
    let input = body.value;
    let input = SanctionInput {
        kind: input.kind.into(),
        reason: input.reason,
        legal_basis: input.legal_basis.unwrap_or_default(),
        starts_on: input.starts_on,
        ends_on: input.ends_on,
    };
    let registration_id = registration_id.into_inner();
    idempotency::create(&state.pool, &req, &caller.0.id, &body.raw, || async {
        let pending = use_cases
            .open_sanction(&context, registration_id, input)
            .await?;
        pending.try_map(|Handled { id, case }| {
            let body = resource::render(id, &case.state, case.version, case.history, &caller.0)
                .ok_or(ApiError::NotFound)?;
            Ok(Created {
                location: format!("/v1/sanctions/{id}"),
                etag: etag(case.version),
                body: serde_json::to_vec(&body).map_err(|e| ApiError::Internal(e.to_string()))?,
            })
        })
    })
    .await
}

/// A sanction case, read from its events: staff, the registration's holder,
/// and the supervising ministry.
#[utoipa::path(
    operation_id = "get_sanction",
    tag = "sanctions",
    params(
        ("id" = Uuid, Path, description = "The sanction case"),
        ("X-Purpose" = Option<String>, Header, description = "Why staff read the case; kept in the audit log (at most 200 characters)"),
    ),
    security(("ministry" = ["registrations:read"]), ("bearer" = [])),
    responses(
        (status = 200, description = "The sanction case", body = SanctionResource, headers(("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "X-Purpose too long or not text (INVALID_PURPOSE)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A ministry client token without the registrations:read scope (INSUFFICIENT_SCOPE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such sanction case, not on your registration, or not of a qualification your ministry supervises", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A ministry client over its rate (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/sanctions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_scope(crate::oauth::REGISTRATIONS_READ)?;
    let id = id.into_inner();
    let (sanction, version) = state.cases.sanctions.load(&id.to_string()).await?;
    let viewer = &caller.0;
    let foreign = viewer.role == Role::Applicant && sanction.holder.as_deref() != Some(&viewer.id);
    if !sanction.exists() || foreign {
        return Err(ApiError::NotFound);
    }
    crate::scope::check(&state, &caller, &sanction.qualification_code)?;
    let history = eventstore::store::history(&state.pool, Sanction::TYPE, &id.to_string()).await?;
    let body =
        resource::render(id, &sanction, version, history, viewer).ok_or(ApiError::NotFound)?;
    if caller.0.role != Role::Ministry {
        let action = adapters::audit::AuditAction::ReadSanction;
        crate::audit::record_read(&state, &req, &caller, action, id).await?;
    }
    Ok(ok_with_etag(body, version))
}
