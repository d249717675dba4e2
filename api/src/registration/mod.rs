//! Registration endpoints: apply, look up, and every examination action.

mod endpoints;
mod input;
mod resource;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use cqrs_es::Aggregate;
use domain::registration::QualificationRegistration;
use domain::{Actor, Role};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use views::status::{self, StatusFilter};

use crate::application::Handled;
use crate::auth::Caller;
use crate::case::Status;
use crate::error::{ApiError, Problem};
use crate::examination::ExaminedCase;
use crate::extract::{etag, JsonBody};
use crate::idempotency::{self, Created};
use crate::qualifications::Money;
use crate::telemetry::context;
use crate::{pagination, AppState};
pub use endpoints::*;
use eventstore::store::Executed;
pub use input::*;
pub use resource::*;

/// Loads a registration the viewer may see, or 404.
pub(crate) async fn visible(
    state: &AppState,
    id: Uuid,
    viewer: &Actor,
) -> Result<(QualificationRegistration, usize), ApiError> {
    let (reg, version) = state.cases.registrations.load(&id.to_string()).await?;
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
    let history = eventstore::store::history(
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

/// Answers 200 with the registration a command left, and its ETag.
pub(crate) fn respond(
    id: Uuid,
    done: Executed<QualificationRegistration>,
    viewer: &Actor,
) -> HttpResponse {
    let body = resource::render(id, &done.state, done.version, done.history, viewer);
    respond_with(body, done.version)
}

impl ExaminedCase for QualificationRegistration {
    fn respond(id: Uuid, done: Executed<Self>, viewer: &Actor) -> Result<HttpResponse, ApiError> {
        Ok(respond(id, done, viewer))
    }
}

/// Apply for a new registration (applicants online; examiners enter paper applications).
#[utoipa::path(
    operation_id = "create_registration",
    tag = "registrations",
    request_body = NewRegistration,
    params(("Idempotency-Key" = Option<String>, Header, description = "Per caller, method and path: replays the first answer for the same body within 24 h")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Submitted; pay at payment.checkout_url", body = RegistrationResource,
            headers(("Location" = String, description = "The new resource"), ("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not apply on this channel", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This qualification is already registered, or applied for and not yet decided, under this My Number (ALREADY_REGISTERED; the answer names no case and no person); it was revoked under this My Number and its Act's bar has not ended (REREGISTRATION_BARRED; the detail gives the first day a new application is accepted, nothing else); the procedure is not yet online for it (PROCEDURE_NOT_YET_ONLINE) or its fee is not set (FEE_UNKNOWN); or the same Idempotency-Key is still in flight", body = Problem, content_type = "application/problem+json"),
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
    let context = context(&req, &caller.0);
    let use_cases = state.use_cases();
    let checked = use_cases.check_application(&context, body.value.into_application())?;
    idempotency::create(&state.pool, &req, &caller.0.id, &body.raw, || async {
        let pending = use_cases.submit_registration(&context, checked).await?;
        pending.try_map(|Handled { id, case }| {
            let resource = resource::render(id, &case.state, case.version, case.history, &caller.0);
            Ok(Created {
                location: format!("/v1/registrations/{id}"),
                etag: etag(case.version),
                body: serde_json::to_vec(&resource)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            })
        })
    })
    .await
}

/// Filters and paging of the registration list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only applications in this status.
    pub status: Option<Status>,
    pub qualification_code: Option<String>,
    /// Look a registration up by its number (staff and ministry look-ups
    /// are recorded in the audit log with `X-Purpose`, one record per match).
    pub registration_number: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// List applications: applicants see their own; examiners and ministries all, with filters.
#[utoipa::path(
    operation_id = "list_registrations",
    tag = "registrations",
    params(
        ListQuery,
        ("X-Purpose" = Option<String>, Header, description = "Why staff or a ministry look a registration up by its number; kept in the audit log (at most 200 characters)"),
    ),
    security(("ministry" = ["registrations:read"]), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of applications, oldest first", body = RegistrationPage),
        (status = 400, description = "Invalid filter, cursor or limit; X-Purpose too long or not text (INVALID_PURPOSE)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "registration_number not in the registration_number_format of its qualification (INVALID_FORMAT), or an unknown qualification_code with it", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A ministry client token without the registrations:read scope (INSUFFICIENT_SCOPE)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A ministry client over its rate (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations")]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    caller.require_scope(crate::oauth::REGISTRATIONS_READ)?;
    if let Some(number) = &q.registration_number {
        crate::qualifications::check_registration_number(
            &state.catalogue,
            q.qualification_code.as_deref(),
            number,
        )?;
    }
    let filter = StatusFilter {
        owner: (caller.0.role == Role::Applicant).then(|| caller.0.id.clone()),
        qualification_codes: crate::scope::qualifications(&state, &caller),
        qualification_code: q.qualification_code,
        status: q.status.map(Into::into),
        registration_number: q.registration_number,
        after: pagination::decode(q.cursor.as_deref())?,
        limit,
    };
    let looked_up = filter.registration_number.is_some();
    let rows = status::list(&state.pool, &filter).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.submitted_at, r.id));
    // A look-up by number finds a person: each match is recorded before the
    // answer goes out (plain lists are not: they name nobody).
    if looked_up {
        let action = adapters::audit::AuditAction::LookUpRegistration;
        for r in &rows {
            crate::audit::record_read(&state, &req, &caller, action, r.id).await?;
        }
    }
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(RegistrationSummary {
                id: r.id,
                status: r.status.into(),
                qualification_code: r.qualification_code,
                channel: r.channel.into(),
                fee: Money::yen(r.fee_total),
                paid: r.paid,
                submitted_at: r.submitted_at,
                due_at: r.due_at,
                registration_number: r.registration_number,
                version: r.version,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(RegistrationPage { items, next_cursor }))
}

/// The status of one application, read from its events (never stale).
#[utoipa::path(
    operation_id = "get_registration",
    tag = "registrations",
    params(
        ("id" = Uuid, Path, description = "The application id"),
        ("X-Purpose" = Option<String>, Header, description = "Why staff or a ministry read the particulars; kept in the audit log (at most 200 characters)"),
    ),
    security(("ministry" = ["registrations:read"]), ("bearer" = [])),
    responses(
        (status = 200, description = "The application", body = RegistrationResource, headers(("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "X-Purpose too long or not text (INVALID_PURPOSE)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A ministry client token without the registrations:read scope (INSUFFICIENT_SCOPE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, not yours, or not of a qualification your ministry supervises", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A ministry client over its rate (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_scope(crate::oauth::REGISTRATIONS_READ)?;
    let id = id.into_inner();
    let (reg, version) = visible(&state, id, &caller.0).await?;
    crate::scope::check(&state, &caller, &reg.qualification_code)?;
    let mut body = resource(&state, id, &reg, version, &caller.0).await?;
    if crate::credential::standing::may_see(&caller.0) {
        let held = crate::credential::standing::of_registration(&state, id, &reg).await?;
        body.certificates = Some(held.certificates);
        body.wallet_credentials = Some(held.wallet_credentials);
    }
    // Recorded before answering: a read that cannot be audited is not served.
    if body.applicant.is_some() || body.register_entry.is_some() {
        let action = adapters::audit::AuditAction::ReadRegistration;
        crate::audit::record_read(&state, &req, &caller, action, id).await?;
    }
    Ok(respond_with(body, version))
}
