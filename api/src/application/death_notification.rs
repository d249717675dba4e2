//! A relative notifies the death of a holder. A notice that identifies a
//! registration opens a deletion case for examiners; one that does not is
//! answered alike, so notices cannot probe the register.

use chrono::NaiveDate;
use domain::attachment::AttachmentRef;
use domain::change_request::{ChangeRequestCommand, DeletionReason};
use domain::death_notification::DeathNotice;
use domain::registration::{Channel, HolderParticulars, RegistrationCommand};
use eventstore::store::CommandError;
use uuid::Uuid;

use super::fields::{check_death_certificate, check_email, check_language, check_text};
use super::FieldError;
use super::{Context, Error, UseCases};

/// The deceased as on their certificate, the death, and the notifier.
#[derive(Debug)]
pub struct DeathNotification {
    /// DEATH, or DISAPPEARANCE for a declaration of disappearance.
    pub reason: DeletionReason,
    pub qualification_code: String,
    pub registration_number: String,
    /// As on the certificate.
    pub deceased: HolderParticulars,
    /// For a disappearance, the day the holder is deemed dead.
    pub date_of_death: NaiveDate,
    /// How the notifier is related to the deceased, e.g. "child".
    pub notifier_relationship: String,
    /// The death certificate (for a disappearance the court's ruling with
    /// its certificate of finality, or a family-register extract), at least one.
    pub attachment_ids: Vec<Uuid>,
    /// Where the notifier is answered; without it, in their inbox only.
    pub email: Option<String>,
    /// `ja` or `en` as written; absent means Japanese.
    pub preferred_language: Option<String>,
}

impl DeathNotification {
    /// Checks every field; returns every field error at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let texts = [
            ("qualification_code", &self.qualification_code),
            ("registration_number", &self.registration_number),
            ("family_name", &self.deceased.family_name),
            ("given_name", &self.deceased.given_name),
            ("notifier_relationship", &self.notifier_relationship),
        ];
        for (field, value) in texts {
            check_text(&mut errors, field, value, 50);
        }
        if self.date_of_death > domain::calendar::japan_today() {
            errors.push(FieldError::new(
                "/date_of_death",
                "IN_FUTURE",
                "must not be in the future",
            ));
        } else if self.date_of_death < self.deceased.date_of_birth {
            errors.push(FieldError::new(
                "/date_of_death",
                "BEFORE_BIRTH",
                "must not be before the date of birth",
            ));
        }
        check_death_certificate(&mut errors, &self.attachment_ids);
        if let Some(email) = &self.email {
            check_email(&mut errors, email);
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

impl UseCases<'_> {
    /// Opens a deletion case when the notice identifies a registration: the
    /// registration records the notice, then the change request opens (the
    /// process manager opens it too if we stop in between). Nothing happens
    /// otherwise, nor when the registration was deleted meanwhile.
    pub async fn notify_death(
        &self,
        context: &Context,
        notification: DeathNotification,
        attachments: Vec<AttachmentRef>,
        receipt_id: Uuid,
    ) -> Result<(), Error> {
        let identified = self
            .identify(
                &notification.qualification_code,
                &notification.registration_number,
                &notification.deceased,
            )
            .await?;
        let Some((registration_id, _)) = identified else {
            return Ok(());
        };
        let mut errors = Vec::new();
        let preferred_language = notification
            .preferred_language
            .is_some()
            .then(|| check_language(&mut errors, notification.preferred_language.as_deref()));
        let notice = DeathNotice {
            reason: notification.reason,
            date_of_death: notification.date_of_death,
            relationship: notification.notifier_relationship,
            attachments,
            email: notification.email,
            preferred_language,
            receipt_id,
        };
        let actor = &context.actor;
        // One number everywhere: the change request is filed under the
        // receipt the notifier was given, so the mails quote that number.
        let request_id = receipt_id;
        let at = self.clock.now();
        let details = Box::new(notice.into_details(&actor.id, Channel::Online));
        let command = RegistrationCommand::NotifyDeath {
            request_id,
            details: details.clone(),
            actor: actor.clone(),
            at,
        };
        let registrations = &self.cases.registrations;
        let id = registration_id.to_string();
        let (reg, _) = match registrations
            .execute(&id, command, None, context.metadata())
            .await
        {
            Ok(done) => done,
            Err(CommandError::Domain(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let submit = ChangeRequestCommand::Submit {
            registration_id,
            qualification_code: reg.qualification_code.clone(),
            holder: reg.owner.clone(),
            details,
            at,
        };
        self.cases
            .change_requests
            .execute(&request_id.to_string(), submit, None, context.metadata())
            .await?;
        Ok(())
    }
}
