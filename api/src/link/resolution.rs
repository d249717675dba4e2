//! A link dispute resolved: a senior examiner, having looked into it, undoes
//! the online link (the registration has no online holder again, and the
//! rightful holder may link it) or lets it stand. Either way LINK_DISPUTED
//! goes from the registration and the queue, and the holder is told (notice
//! `link_dispute_resolved`).

use actix_web::{post, web, HttpRequest, HttpResponse};
use domain::Role;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::check_text;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{if_match, JsonBody};
use crate::telemetry::context;
use crate::AppState;

/// What the office decided about a disputed link, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkDisputeResolutionInput {
    /// True undoes the link; false lets it stand.
    pub unlink: bool,
    /// Why (1 to 1000 characters), kept in the registration's events; not
    /// sent to the holder.
    #[schema(max_length = 1000)]
    pub reason: String,
}

/// Resolve the open dispute of a registration's online link (a senior examiner).
#[utoipa::path(
    operation_id = "resolve_registration_link_dispute",
    tag = "examination",
    request_body = LinkDisputeResolutionInput,
    params(("id" = Uuid, Path, description = "The registration id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Resolved: LINK_DISPUTED is gone; with unlink the registration has no online holder and may be linked again. The holder is told (notice link_dispute_resolved)", body = crate::registration::RegistrationResource, headers(("ETag" = String, description = "Aggregate version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "WRONG_ROLE: not a senior examiner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "NO_DISPUTE: no dispute of the registration's link is open", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: the reason empty (REQUIRED), too long (TOO_LONG) or with a control character such as a line break (INVALID); an unknown or missing field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/link-dispute-resolution")]
pub async fn resolve(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<LinkDisputeResolutionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::SeniorExaminer])?;
    let input = body.value;
    let mut errors = Vec::new();
    check_text(&mut errors, "reason", &input.reason, 1000);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let expected = if_match(&req)?;
    let context = context(&req, &caller.0);
    let id = id.into_inner();
    let handled = state
        .use_cases()
        .resolve_link_dispute(&context, id, expected, input.unlink, input.reason)
        .await?;
    Ok(crate::registration::respond(id, handled.case, &caller.0))
}
