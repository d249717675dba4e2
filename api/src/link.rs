//! Initial setting: a holder links a paper-era registration to their My
//! Number. A wrong answer looks the same whether the registration exists or
//! not, and wrong answers lock the caller, and the registration named, out
//! for a while (see [`lockout`]). Without an identity the provider verified
//! (development only) the link waits for the code sent by post
//! ([`confirm`]); anyone else may dispute a link ([`dispute`](mod@dispute)),
//! and a senior examiner resolves the dispute ([`resolution`]).

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::my_number::MyNumber;
use domain::registration::HolderParticulars;
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::{self, LinkRequest, Linked};
use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::personal::MyNumberField;
use crate::telemetry::context;
use crate::AppState;

pub(crate) mod dispute;
pub(crate) mod lockout;
pub(crate) mod resolution;

/// The details on the paper certificate, and the caller's My Number. When
/// the caller's token carries a name and date of birth verified by the
/// identity provider, those are matched and the body's are not.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    #[schema(example = "CARE_WORKER")]
    pub qualification_code: String,
    pub registration_number: String,
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
    /// 12 digits with a valid check digit; stored only in the vault. The
    /// register must confirm it is the holder's.
    #[schema(value_type = String)]
    pub my_number: MyNumberField,
}

/// Where a held link stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PendingLinkStatus {
    /// Waiting for the code the office posted to the address on the register.
    PendingConfirmation,
}

/// A link held until the code sent by post is entered.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingLinkResource {
    /// Enter the code at `/v1/registration-links/{id}/confirmation`.
    pub id: Uuid,
    pub status: PendingLinkStatus,
    /// The code is valid until then (14 days; 5 wrong entries void it).
    pub expires_at: DateTime<Utc>,
}

/// The code from the letter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkConfirmationInput {
    /// As printed (`ABCD-EFGH-JKLM`); blanks, hyphens and case do not matter.
    #[schema(example = "ABCD-EFGH-JKLM", max_length = 40)]
    pub code: String,
}

/// Link an existing registration to your My Number (initial setting).
#[utoipa::path(
    operation_id = "link_registration",
    tag = "registrations",
    request_body = LinkInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Linked: the registration is now yours (the identity provider verified you and the register confirmed the My Number is yours). The holder is told (notice holder_linked)", body = crate::registration::RegistrationResource),
        (status = 202, description = "Held: without an identity the provider verified (development only), the office posts a one-time code to the address on the register; enter it at /v1/registration-links/{id}/confirmation", body = PendingLinkResource),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "WRONG_ROLE: not an applicant; VERIFIED_IDENTITY_REQUIRED: in production, the token carries no name and date of birth the identity provider verified", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (INVALID_FORMAT: a registration number not in its qualification's registration_number_format), or LINK_NOT_MATCHED: no registration matches, the register does not confirm the My Number belongs to its holder, or someone else linked it (the same answer in every case)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "TOO_MANY_ATTEMPTS: five wrong answers (or held links) by this caller, or ten by anyone about this registration, within 15 minutes, or three letters to this registration within a day: locked for a while (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registration-links")]
pub async fn link(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<LinkInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant])?;
    let verified = caller.1.verified.clone();
    if verified.is_none() && state.verified_identity_required {
        return Err(application::Error::VerifiedIdentityRequired.into());
    }
    let input = body.value;
    let number = MyNumber::parse(input.my_number.as_str()).map_err(|_| {
        ApiError::Validation(vec![FieldError::new(
            "/my_number",
            "INVALID_CHECK_DIGIT",
            "must be 12 digits with a valid check digit",
        )])
    })?;
    crate::qualifications::check_registration_number(
        &state.catalogue,
        Some(&input.qualification_code),
        &input.registration_number,
    )?;
    let target = lockout::target(&input.qualification_code, &input.registration_number);
    let attempt = lockout::attempt(&state, &caller.0.id, &target).await?;
    let request = LinkRequest {
        qualification_code: input.qualification_code,
        registration_number: input.registration_number,
        holder: particulars(
            &caller,
            input.family_name,
            input.given_name,
            input.date_of_birth,
        ),
        verified: verified.is_some(),
        my_number: number,
    };
    let context = context(&req, &caller.0);
    let linked = state
        .use_cases()
        .link_registration(&context, request, Utc::now())
        .await;
    match linked {
        Ok(Linked::Now(handled)) => {
            let handled = *handled;
            attempt.succeeded(&state).await?;
            Ok(crate::registration::respond(
                handled.id,
                handled.case,
                &caller.0,
            ))
        }
        // A held link stays counted: letters are not free, and a held link
        // must not be told from a miss by what the lockout does next.
        Ok(Linked::Pending(pending)) => {
            attempt.counted();
            Ok(HttpResponse::Accepted().json(PendingLinkResource {
                id: pending.id,
                status: PendingLinkStatus::PendingConfirmation,
                expires_at: pending.expires_at,
            }))
        }
        Err(e) => {
            attempt.counted();
            Err(e.into())
        }
    }
}

/// Who the caller is: as the provider verified them, else as they wrote.
pub(crate) fn particulars(
    caller: &Caller,
    family_name: String,
    given_name: String,
    date_of_birth: NaiveDate,
) -> HolderParticulars {
    match &caller.1.verified {
        Some(v) => HolderParticulars {
            family_name: v.family_name.clone(),
            given_name: v.given_name.clone(),
            date_of_birth: v.date_of_birth,
        },
        None => HolderParticulars {
            family_name,
            given_name,
            date_of_birth,
        },
    }
}

/// Complete a held link with the code the office posted.
#[utoipa::path(
    operation_id = "confirm_registration_link",
    tag = "registrations",
    params(("id" = Uuid, Path, description = "The held link's id (from the 202)")),
    request_body = LinkConfirmationInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Linked: the registration is now yours; the holder is told (notice holder_linked)", body = crate::registration::RegistrationResource),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "WRONG_ROLE: not an applicant", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "NOT_FOUND: no held link with this id is yours (or it was completed), or the id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "LINK_EXPIRED: the code expired, or was entered wrongly five times; ask again for a new letter", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "LINK_CODE_WRONG: not the code in the letter (it counts), INVALID_LENGTH; or LINK_NOT_MATCHED: someone else linked the registration meanwhile", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registration-links/{id}/confirmation")]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<Uuid>,
    body: JsonBody<LinkConfirmationInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant])?;
    let code = body.value.code;
    // Never echoed, never logged: only its length is judged here.
    if code.is_empty() || code.chars().count() > 40 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/code",
            "INVALID_LENGTH",
            "the code is 12 characters, as printed in the letter",
        )]));
    }
    let context = context(&req, &caller.0);
    let handled = state
        .use_cases()
        .confirm_link(&context, path.into_inner(), &code, Utc::now())
        .await?;
    Ok(crate::registration::respond(
        handled.id,
        handled.case,
        &caller.0,
    ))
}
