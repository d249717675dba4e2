//! Initial setting: a holder links a paper-era registration to their My Number.
//! A wrong answer looks the same whether the registration exists or not, and
//! wrong answers lock the caller, and the registration named, out for a while
//! (see [`lockout`]).

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::my_number::MyNumber;
use domain::registration::HolderParticulars;
use domain::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::application::{self, Handled, LinkRequest};
use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::personal::MyNumberField;
use crate::telemetry::context;
use crate::AppState;

pub(crate) mod lockout;

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
    /// 12 digits with a valid check digit; stored only in the vault.
    #[schema(value_type = String)]
    pub my_number: MyNumberField,
}

/// Link an existing registration to your My Number (initial setting).
#[utoipa::path(
    operation_id = "link_registration",
    tag = "registrations",
    request_body = LinkInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Linked: the registration is now yours", body = crate::registration::RegistrationResource),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an applicant", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (INVALID_FORMAT: a registration number not in its qualification's registration_number_format), or no registration matches (LINK_NOT_MATCHED, the same answer whether it exists or not)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "TOO_MANY_ATTEMPTS: five wrong answers by this caller, or ten by anyone about this registration, within 15 minutes: locked for a while (Retry-After)", body = Problem, content_type = "application/problem+json"),
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
    // A token whose provider verified the person decides who they are;
    // only without one does the body's word count.
    let holder = match &caller.1.verified {
        Some(v) => HolderParticulars {
            family_name: v.family_name.clone(),
            given_name: v.given_name.clone(),
            date_of_birth: v.date_of_birth,
        },
        None => HolderParticulars {
            family_name: input.family_name,
            given_name: input.given_name,
            date_of_birth: input.date_of_birth,
        },
    };
    let request = LinkRequest {
        qualification_code: input.qualification_code,
        registration_number: input.registration_number,
        holder,
        my_number: number,
    };
    let context = context(&req, &caller.0);
    match state.use_cases().link_registration(&context, request).await {
        Ok(Handled { id, case }) => {
            attempt.succeeded(&state).await?;
            Ok(crate::registration::respond(id, case, &caller.0))
        }
        Err(application::Error::NotMatched) => {
            attempt.counted();
            Err(application::Error::NotMatched.into())
        }
        Err(e) => Err(e.into()),
    }
}
