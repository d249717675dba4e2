//! `POST /v1/death-notifications`: a relative notifies the office that a
//! holder died, naming the deceased as on the paper certificate. The answer
//! is the same 202 with a fresh receipt whether or not the particulars name a
//! registration, and every notice counts against the registration-link
//! lockout, so notices cannot be used to probe the register. A notice that
//! identifies a registration opens a case for examiners (see
//! [`domain::death_notification`]).

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::change_request::ChangeRequestCommand;
use domain::death_notification::DeathNotice;
use domain::registration::{Channel, HolderParticulars, RegistrationCommand};
use domain::{Actor, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::link::{identify, lockout};
use crate::registration::{check_language, check_text, metadata};
use crate::AppState;

/// The deceased as on their certificate, and the death.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeathNotificationInput {
    #[schema(example = "CARE_WORKER")]
    pub qualification_code: String,
    /// As on the certificate, in the qualification's `registration_number_format`.
    pub registration_number: String,
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
    pub date_of_death: NaiveDate,
    /// How the notifier is related to the deceased, e.g. "child".
    pub notifier_relationship: String,
    /// The death certificate (uploaded first), at least one.
    pub attachment_ids: Vec<Uuid>,
    /// Where the notifier is answered; without it, in their inbox only.
    pub email: Option<String>,
    /// `ja` (default) or `en`.
    #[schema(example = "ja")]
    pub preferred_language: Option<String>,
}

/// The acknowledgement every notice gets, whatever it matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeathNotificationReceipt {
    /// Quote it when you contact the office.
    pub receipt_id: Uuid,
    pub received_at: DateTime<Utc>,
}

impl DeathNotificationInput {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(
            &mut errors,
            "qualification_code",
            &self.qualification_code,
            50,
        );
        check_text(
            &mut errors,
            "registration_number",
            &self.registration_number,
            50,
        );
        check_text(&mut errors, "family_name", &self.family_name, 50);
        check_text(&mut errors, "given_name", &self.given_name, 50);
        check_text(
            &mut errors,
            "notifier_relationship",
            &self.notifier_relationship,
            50,
        );
        if self.date_of_death > Utc::now().date_naive() {
            errors.push(FieldError::new(
                "/date_of_death",
                "IN_FUTURE",
                "must not be in the future",
            ));
        } else if self.date_of_death < self.date_of_birth {
            errors.push(FieldError::new(
                "/date_of_death",
                "BEFORE_BIRTH",
                "must not be before the date of birth",
            ));
        }
        if self.attachment_ids.is_empty() {
            errors.push(FieldError::new(
                "/attachment_ids",
                "REQUIRED",
                "a death notification needs the death certificate attached",
            ));
        }
        if let Some(email) = &self.email {
            check_text(&mut errors, "email", email, 254);
            if !email.contains('@') || email.contains(char::is_whitespace) {
                errors.push(FieldError::new(
                    "/email",
                    "INVALID",
                    "must be an email address",
                ));
            }
        }
        if self.preferred_language.is_some() {
            check_language(&mut errors, self.preferred_language.as_deref());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Notify the death of a registered holder (as a relative).
#[utoipa::path(
    tag = "change-requests",
    operation_id = "notify_death",
    request_body = DeathNotificationInput,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Received; the same answer whether or not the particulars name a registration. One that does becomes a DELETE_REGISTRATION case (reason DEATH) examiners confirm", body = DeathNotificationReceipt),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an applicant", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "An attachment that is not yours", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: INVALID_FORMAT (a registration number not in its qualification's registration_number_format), UNKNOWN_VALUE, REQUIRED, IN_FUTURE, BEFORE_BIRTH, TOO_MANY_ATTACHMENTS", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "TOO_MANY_ATTEMPTS: too many notices or link attempts by this caller, or about this registration (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/death-notifications")]
pub async fn notify(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<DeathNotificationInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant])?;
    let input = body.value;
    input.validate().map_err(ApiError::Validation)?;
    let attachments = crate::attachment::referenced(&state, &input.attachment_ids, &caller).await?;
    crate::qualifications::check_registration_number(
        &state.catalogue,
        Some(&input.qualification_code),
        &input.registration_number,
    )?;
    let actor = caller.0.clone();
    let target = lockout::target(&input.qualification_code, &input.registration_number);
    // Counted whatever it matches: whether later attempts are locked must not
    // tell a match from a miss.
    lockout::attempt(&state, &actor.id, &target)
        .await?
        .counted();
    let receipt = DeathNotificationReceipt {
        receipt_id: Uuid::new_v4(),
        received_at: Utc::now(),
    };
    let who = HolderParticulars {
        family_name: input.family_name,
        given_name: input.given_name,
        date_of_birth: input.date_of_birth,
    };
    let identified = identify(
        &state,
        &input.qualification_code,
        &input.registration_number,
        &who,
    )
    .await?;
    if let Some((registration_id, _)) = identified {
        let mut errors = Vec::new();
        let preferred_language = input
            .preferred_language
            .is_some()
            .then(|| check_language(&mut errors, input.preferred_language.as_deref()));
        let notice = DeathNotice {
            date_of_death: input.date_of_death,
            relationship: input.notifier_relationship,
            attachments,
            email: input.email,
            preferred_language,
            receipt_id: receipt.receipt_id,
        };
        file(&state, &req, &actor, registration_id, notice).await?;
    }
    Ok(HttpResponse::Accepted().json(receipt))
}

/// Opens the case: the registration records the notice, then the change
/// request opens (the process manager opens it too if we stop in between).
async fn file(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    registration_id: Uuid,
    notice: DeathNotice,
) -> Result<(), ApiError> {
    let request_id = Uuid::new_v4();
    let at = Utc::now();
    let details = Box::new(notice.into_details(&actor.id, Channel::Online));
    let command = RegistrationCommand::NotifyDeath {
        request_id,
        details: details.clone(),
        actor: actor.clone(),
        at,
    };
    let (reg, _) = match state
        .cases
        .registrations
        .execute(
            &registration_id.to_string(),
            command,
            None,
            metadata(req, actor),
        )
        .await
    {
        Ok(done) => done,
        // Deleted meanwhile: the answer stays the same, and there is no case.
        Err(eventstore::store::CommandError::Domain(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let submit = ChangeRequestCommand::Submit {
        registration_id,
        qualification_code: reg.qualification_code.clone(),
        holder: reg.owner.clone(),
        details,
        at,
    };
    state
        .cases
        .change_requests
        .execute(&request_id.to_string(), submit, None, metadata(req, actor))
        .await?;
    Ok(())
}
