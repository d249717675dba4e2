//! `POST /v1/death-notifications`: a relative notifies the office that a
//! holder died, or that a family court declared them missing (失踪宣告: a
//! declaration of disappearance deems them dead, Civil Code art. 31, so it
//! is notified, evidenced and examined as a death is), naming the holder as
//! on the paper certificate. The answer
//! is the same 202 with a fresh receipt whether or not the particulars name a
//! registration, and every notice counts against the registration-link
//! lockout, so notices cannot be used to probe the register. A notice that
//! identifies a registration opens a case for examiners (see
//! [`domain::death_notification`]).

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::change_request::DeletionReason;
use domain::registration::HolderParticulars;
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::DeathNotification;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::link::lockout;
use crate::telemetry::context;
use crate::AppState;

/// What a notice reports.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeReason {
    /// The holder died.
    #[default]
    Death,
    /// A family court declared the holder missing (失踪宣告): they are deemed dead.
    Disappearance,
}

/// The deceased as on their certificate, and the death.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeathNotificationInput {
    /// DEATH (default), or DISAPPEARANCE for a family court's declaration of
    /// disappearance: then `date_of_death` is the day the holder is deemed
    /// dead, and the attachments are the ruling with its certificate of
    /// finality, or a family-register extract that records it.
    pub reason: Option<NoticeReason>,
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
    /// The notification this body makes.
    fn into_notification(self) -> DeathNotification {
        DeathNotification {
            reason: match self.reason.unwrap_or_default() {
                NoticeReason::Death => DeletionReason::Death,
                NoticeReason::Disappearance => DeletionReason::Disappearance,
            },
            qualification_code: self.qualification_code,
            registration_number: self.registration_number,
            deceased: HolderParticulars {
                family_name: self.family_name,
                given_name: self.given_name,
                date_of_birth: self.date_of_birth,
            },
            date_of_death: self.date_of_death,
            notifier_relationship: self.notifier_relationship,
            attachment_ids: self.attachment_ids,
            email: self.email,
            preferred_language: self.preferred_language,
        }
    }
}

/// Notify the death of a registered holder, or a declaration of their
/// disappearance (as a relative or the person who obtained it).
#[utoipa::path(
    tag = "change-requests",
    operation_id = "notify_death",
    request_body = DeathNotificationInput,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Received; the same answer whether or not the particulars name a registration. One that does becomes a DELETE_REGISTRATION case (reason DEATH or DISAPPEARANCE) examiners confirm", body = DeathNotificationReceipt),
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
    let notification = body.value.into_notification();
    notification.validate().map_err(ApiError::Validation)?;
    let attachments =
        crate::attachment::referenced(&state, &notification.attachment_ids, &caller).await?;
    crate::qualifications::check_registration_number(
        &state.catalogue,
        Some(&notification.qualification_code),
        &notification.registration_number,
    )?;
    let target = lockout::target(
        &notification.qualification_code,
        &notification.registration_number,
    );
    // Counted whatever it matches: whether later attempts are locked must not
    // tell a match from a miss.
    lockout::attempt(&state, &caller.0.id, &target)
        .await?
        .counted();
    let receipt = DeathNotificationReceipt {
        receipt_id: Uuid::new_v4(),
        received_at: Utc::now(),
    };
    let context = context(&req, &caller.0);
    state
        .use_cases()
        .notify_death(&context, notification, attachments, receipt.receipt_id)
        .await?;
    Ok(HttpResponse::Accepted().json(receipt))
}
