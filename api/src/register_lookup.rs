//! The public register look-up: anyone may ask whether a registration of a
//! qualification whose catalogue entry allows it stands, by an exact match of
//! qualification, number, names and date of birth. The answer is registered,
//! suspended until a date, or not found, and nothing else; it never lists,
//! and each address may ask only so often.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::registration::{HolderParticulars, PublicStanding};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::oauth::rate::{self, RateLimit};
use crate::AppState;

/// Look-ups an address may make: ten at once, then one every six seconds.
const LOOKUPS: RateLimit = RateLimit {
    per_second: 1.0 / 6.0,
    burst: 10.0,
};

/// The longest name taken (the register's own names are shorter).
const NAME_LIMIT: usize = 100;

/// A registration as written on its certificate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupInput {
    #[schema(example = "CARE_WORKER")]
    pub qualification_code: String,
    pub registration_number: String,
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
}

/// Whether the registration stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Standing {
    /// On the register.
    Registered,
    /// Suspended until `suspended_until`.
    Suspended,
    /// No registration on the register matches every detail.
    NotFound,
}

/// The look-up's whole answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupAnswer {
    pub standing: Standing,
    /// While SUSPENDED: the day the suspension lifts (at 00:00 in Japan).
    pub suspended_until: Option<NaiveDate>,
}

/// Ask whether a registration stands, by an exact match of its
/// qualification, number, names and date of birth (only for qualifications
/// whose catalogue entry has `public_lookup`). Anonymous and rate-limited per
/// address; it never lists and says nothing but the standing.
#[utoipa::path(
    operation_id = "look_up_register",
    tag = "registrations",
    request_body = LookupInput,
    responses(
        (status = 200, description = "The standing: REGISTERED, SUSPENDED (with the day it lifts) or NOT_FOUND", body = LookupAnswer),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large (PAYLOAD_TOO_LARGE)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; an unknown qualification (UNKNOWN_VALUE) or one without a public look-up (LOOKUP_NOT_OFFERED); a number not in its format (INVALID_FORMAT)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many look-ups from this address (TOO_MANY_ATTEMPTS; Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/register-lookups")]
pub async fn look_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LookupInput>,
) -> Result<HttpResponse, ApiError> {
    // Every request counts, valid or not, so guessing stays slow.
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let bucket = format!("register-lookup:{address}");
    rate::take(&state.pool, &bucket, LOOKUPS)
        .await?
        .map_err(ApiError::TooManyRequests)?;
    let input = body.value;
    check(&state, &input)?;
    let who = HolderParticulars {
        family_name: input.family_name,
        given_name: input.given_name,
        date_of_birth: input.date_of_birth,
    };
    let found = views::register::find(
        &state.pool,
        &input.qualification_code,
        &input.registration_number,
    )
    .await?
    .map(|e| e.registration_id);
    // A number not on the register loads an empty aggregate, as a real one
    // would be loaded: the work is the same either way.
    let id = found.unwrap_or(Uuid::nil());
    let (registration, _) = state.cases.registrations.load(&id.to_string()).await?;
    let standing = match found {
        Some(_) => registration.public_standing(&who),
        None => PublicStanding::NotFound,
    };
    Ok(HttpResponse::Ok().json(match standing {
        PublicStanding::Registered => LookupAnswer {
            standing: Standing::Registered,
            suspended_until: None,
        },
        PublicStanding::Suspended { until } => LookupAnswer {
            standing: Standing::Suspended,
            suspended_until: Some(until),
        },
        PublicStanding::NotFound => LookupAnswer {
            standing: Standing::NotFound,
            suspended_until: None,
        },
    }))
}

/// Refuses a qualification without a public look-up, a number not in its
/// format, and empty or overlong names.
fn check(state: &AppState, input: &LookupInput) -> Result<(), ApiError> {
    let code = &input.qualification_code;
    crate::qualifications::check_registration_number(
        &state.catalogue,
        Some(code),
        &input.registration_number,
    )?;
    let mut errors = Vec::new();
    if state
        .catalogue
        .qualification(code)
        .is_some_and(|q| !q.public_lookup)
    {
        errors.push(FieldError::new(
            "/qualification_code",
            "LOOKUP_NOT_OFFERED",
            format!("the register of {code} is not open to public look-up"),
        ));
    }
    for (pointer, name) in [
        ("/family_name", &input.family_name),
        ("/given_name", &input.given_name),
    ] {
        let length = name.trim().chars().count();
        if length == 0 || length > NAME_LIMIT {
            errors.push(FieldError::new(
                pointer,
                "INVALID",
                format!("must be 1 to {NAME_LIMIT} characters"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}
