//! A link disputed: someone who is not the linked holder (the holder of the
//! paper registration, told of the link by the `holder_linked` notice, by
//! post or at the counter) says it is not theirs. The dispute is an event on
//! the registration, which then shows LINK_DISPUTED to examiners (the
//! registration and the queue) until the office has looked into it.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{lockout, particulars};
use crate::application::{check_text, LinkDispute};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::telemetry::context;
use crate::AppState;

/// The registration as on its certificate, who disputes, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkDisputeInput {
    #[schema(example = "CARE_WORKER")]
    pub qualification_code: String,
    pub registration_number: String,
    /// The holder's names and date of birth as on the certificate (verified
    /// claims in the token count instead, as for a link).
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
    /// Why the link is not yours, in your words (1 to 2000 characters).
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// What the office received.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkDisputeReceipt {
    pub registration_number: String,
    pub disputed_at: DateTime<Utc>,
}

/// Dispute the online link of a paper-era registration.
#[utoipa::path(
    operation_id = "dispute_registration_link",
    tag = "registrations",
    request_body = LinkDisputeInput,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Received: the registration shows LINK_DISPUTED to the office, which looks into it", body = LinkDisputeReceipt),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "WRONG_ROLE: not an applicant, or the linked holder disputing their own link", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "NOT_LINKED: nobody linked this registration online", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (REQUIRED, TOO_LONG, INVALID: a control character such as a line break, INVALID_FORMAT), or LINK_NOT_MATCHED: no registration matches (the same answer whether it exists or not)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "TOO_MANY_ATTEMPTS: every dispute counts, with wrong link answers, against the lockout of a link: five by this caller, or ten about this registration, within 15 minutes (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registration-links/disputes")]
pub async fn dispute(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<LinkDisputeInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant])?;
    let input = body.value;
    let mut errors = Vec::new();
    check_text(&mut errors, "reason", &input.reason, 2000);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    crate::qualifications::check_registration_number(
        &state.catalogue,
        Some(&input.qualification_code),
        &input.registration_number,
    )?;
    let target = lockout::target(&input.qualification_code, &input.registration_number);
    // Counted whatever it comes to, like a death notification: a dispute
    // is an event on someone's registration, not to be repeated at will.
    lockout::attempt(&state, &caller.0.id, &target)
        .await?
        .counted();
    let dispute = LinkDispute {
        qualification_code: input.qualification_code,
        registration_number: input.registration_number.clone(),
        holder: particulars(
            &caller,
            input.family_name,
            input.given_name,
            input.date_of_birth,
        ),
        reason: input.reason,
    };
    let context = context(&req, &caller.0);
    state.use_cases().dispute_link(&context, dispute).await?;
    Ok(HttpResponse::Accepted().json(LinkDisputeReceipt {
        registration_number: input.registration_number,
        disputed_at: Utc::now(),
    }))
}
