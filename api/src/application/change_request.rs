//! Filing a change request against a registration (changes of registered
//! matters, a re-issue, a deletion), online by its holder or on paper.

use chrono::NaiveDate;
use domain::catalogue::Procedure;
use domain::change_request::{
    ChangeDetails, ChangeRequest, ChangeRequestCommand, DeletionReason, EndorsementChange,
    MatterChanges,
};
use domain::language::Language;
use domain::registration::{Channel, RegistrationCommand};
use domain::DomainError;
use eventstore::store::{CommandError, Executed, Target};
use eventstore::Appending;
use uuid::Uuid;

use super::endorsement::EndorsementInput;
use super::fields::{
    check_death_certificate, check_email, check_kana, check_language, check_text, nfc,
};
use super::FieldError;
use super::{Context, Error, Handled, Pending, UseCases};

/// A change request as its sender wrote it.
#[derive(Debug)]
pub struct ChangeInput {
    /// The procedure's wire name, e.g. `CHANGE_NAME`.
    pub kind: String,
    pub changes: MatterChanges,
    /// For a deletion HOLDER_REQUEST, DEATH or DISAPPEARANCE; otherwise a free-text note.
    pub reason: Option<String>,
    /// Uploaded documents (a death certificate for a death notification).
    pub attachment_ids: Vec<Uuid>,
    /// Only for a death notification, where it is required (for a
    /// disappearance: the day the holder is deemed dead).
    pub date_of_death: Option<NaiveDate>,
    /// Only for a death notification, where it is required.
    pub notifier_relationship: Option<String>,
    /// Online (the holder) or paper (entered by an examiner).
    pub channel: Channel,
    /// Where notices go; by default the registration's email.
    pub email: Option<String>,
    /// `ja` or `en` as written; by default the registration's.
    pub preferred_language: Option<String>,
    /// For ENDORSEMENT: the endorsement and whether to add or remove it.
    pub endorsement: EndorsementInput,
}

/// A change request whose sender may use its channel and whose fields were
/// accepted; only such a request can be filed.
#[derive(Debug)]
pub struct CheckedChange {
    details: ChangeDetails,
    attachment_ids: Vec<Uuid>,
}

/// The fields the request's kind may change.
fn allowed_fields(kind: Procedure) -> &'static [&'static str] {
    match kind {
        Procedure::ChangeName => &[
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
        ],
        Procedure::ChangeAddress => &["address"],
        Procedure::ChangeDomicile => &["registered_domicile"],
        _ => &[],
    }
}

/// What a valid request asks for, before it is addressed to a registration.
struct Valid {
    kind: Procedure,
    changes: MatterChanges,
    deletion_reason: Option<DeletionReason>,
    note: Option<String>,
    preferred_language: Option<Language>,
    endorsement: Option<EndorsementChange>,
}

impl ChangeInput {
    /// Checks the request against its kind; returns every field error at once.
    fn validate(&self) -> Result<Valid, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = Procedure::parse(&self.kind).filter(|k| *k != Procedure::NewRegistration);
        let Some(kind) = kind else {
            return Err(vec![FieldError::new(
                "/kind",
                "UNKNOWN_VALUE",
                "must be CHANGE_NAME, CHANGE_ADDRESS, CHANGE_DOMICILE, REISSUE_CERTIFICATE, DELETE_REGISTRATION, RENEWAL or ENDORSEMENT",
            )]);
        };
        let c = &self.changes;
        let given = [
            ("family_name", &c.family_name, 50),
            ("given_name", &c.given_name, 50),
            ("family_name_kana", &c.family_name_kana, 100),
            ("given_name_kana", &c.given_name_kana, 100),
            ("address", &c.address, 200),
            ("registered_domicile", &c.registered_domicile, 200),
        ];
        let allowed = allowed_fields(kind);
        for (field, value, max) in given {
            let Some(value) = value else { continue };
            if allowed.contains(&field) {
                check_text(&mut errors, &format!("changes/{field}"), value, max);
                if field.ends_with("_kana") {
                    check_kana(&mut errors, &format!("changes/{field}"), value);
                }
            } else {
                errors.push(FieldError::new(
                    format!("/changes/{field}"),
                    "NOT_ALLOWED",
                    format!("{} does not change this field", kind.as_str()),
                ));
            }
        }
        let required = match kind {
            Procedure::ChangeName => c.family_name.is_some() || c.given_name.is_some(),
            Procedure::ChangeAddress => c.address.is_some(),
            Procedure::ChangeDomicile => c.registered_domicile.is_some(),
            _ => true,
        };
        if !required {
            errors.push(FieldError::new(
                "/changes",
                "REQUIRED",
                format!(
                    "{} needs the new value of {}",
                    kind.as_str(),
                    allowed.join(" or ")
                ),
            ));
        }
        let mut deletion_reason = None;
        let mut note = None;
        if kind == Procedure::DeleteRegistration {
            deletion_reason = match self.reason.as_deref() {
                Some("HOLDER_REQUEST") => Some(DeletionReason::HolderRequest),
                Some("DEATH") => Some(DeletionReason::Death),
                Some("DISAPPEARANCE") => Some(DeletionReason::Disappearance),
                _ => {
                    errors.push(FieldError::new(
                        "/reason",
                        "UNKNOWN_VALUE",
                        "must be HOLDER_REQUEST, DEATH or DISAPPEARANCE",
                    ));
                    None
                }
            };
        } else if let Some(reason) = &self.reason {
            check_text(&mut errors, "reason", reason, 200);
            note = Some(reason.clone());
        }
        if kind == Procedure::Renewal {
            super::renewal::check_training_certificate(&mut errors, &self.attachment_ids);
        }
        if deletion_reason.is_some_and(DeletionReason::deems_dead) {
            self.check_death(&mut errors);
        } else if self.date_of_death.is_some() || self.notifier_relationship.is_some() {
            errors.push(FieldError::new(
                "/date_of_death",
                "NOT_ALLOWED",
                "only a death notification carries a date of death and a notifier",
            ));
        }
        if let Some(email) = &self.email {
            check_email(&mut errors, email);
        }
        let endorsement = self.endorsement.validate(kind, &mut errors);
        let preferred_language = self
            .preferred_language
            .is_some()
            .then(|| check_language(&mut errors, self.preferred_language.as_deref()));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Valid {
            preferred_language,
            kind,
            changes: c.clone(),
            deletion_reason,
            note,
            endorsement,
        })
    }

    /// A death notification needs the date, the notifier and the certificate.
    fn check_death(&self, errors: &mut Vec<FieldError>) {
        match self.date_of_death {
            None => errors.push(FieldError::new(
                "/date_of_death",
                "REQUIRED",
                "a death notification needs the date of death",
            )),
            Some(d) if d > domain::calendar::japan_today() => errors.push(FieldError::new(
                "/date_of_death",
                "IN_FUTURE",
                "must not be in the future",
            )),
            Some(_) => {}
        }
        match &self.notifier_relationship {
            None => errors.push(FieldError::new(
                "/notifier_relationship",
                "REQUIRED",
                "a death notification needs the notifier's relationship",
            )),
            Some(r) => check_text(errors, "notifier_relationship", r, 50),
        }
        check_death_certificate(errors, &self.attachment_ids);
    }
}

impl UseCases<'_> {
    /// Accepts a change request for filing: holders file online, examiners
    /// enter paper requests, and every field must be valid for its kind.
    pub fn check_change(
        &self,
        context: &Context,
        mut input: ChangeInput,
    ) -> Result<CheckedChange, Error> {
        let c = &mut input.changes;
        for value in [
            &mut c.family_name,
            &mut c.given_name,
            &mut c.family_name_kana,
            &mut c.given_name_kana,
            &mut c.address,
            &mut c.registered_domicile,
        ]
        .into_iter()
        .flatten()
        {
            *value = nfc(value);
        }
        if !context.may_use(input.channel) {
            return Err(Error::WrongRole(
                "holders file ONLINE; examiners enter PAPER requests",
            ));
        }
        let valid = input.validate().map_err(Error::Invalid)?;
        let details = ChangeDetails {
            kind: valid.kind,
            changes: valid.changes,
            deletion_reason: valid.deletion_reason,
            date_of_death: input.date_of_death,
            notifier_relationship: input.notifier_relationship,
            attachments: vec![],
            note: valid.note,
            filed_by: context.actor.id.clone(),
            channel: input.channel,
            email: input.email,
            preferred_language: valid.preferred_language,
            endorsement: valid.endorsement,
        };
        Ok(CheckedChange {
            details,
            attachment_ids: input.attachment_ids,
        })
    }

    /// Files a change request: the registration reserves the slot, then the
    /// request opens, in one transaction. The attachments are marked
    /// referenced in it too, so a refused or crashed request marks none. A
    /// concurrent change of the registration restarts the whole transaction
    /// against its new state.
    pub async fn file_change_request(
        &self,
        context: &Context,
        registration_id: Uuid,
        checked: CheckedChange,
    ) -> Result<Pending<Handled<ChangeRequest>>, Error> {
        let CheckedChange {
            mut details,
            attachment_ids,
        } = checked;
        if details.kind == Procedure::ChangeDomicile {
            self.check_has_domicile(registration_id).await?;
        }
        if details.kind == Procedure::Endorsement {
            self.check_endorsement(context, registration_id, &mut details, &attachment_ids)
                .await?;
        }
        let id = Uuid::new_v4();
        let mut attempts = 0;
        loop {
            let mut tx = Appending::begin(self.pool).await?;
            if !attachment_ids.is_empty() {
                let actor = &context.actor.id;
                details.attachments = adapters::attachments::Attachments::reference_in(
                    &mut tx,
                    &attachment_ids,
                    actor,
                )
                .await?
                .ok_or(Error::NotFound)?;
            }
            let filed = self
                .file_once(tx, context, registration_id, id, details.clone())
                .await;
            match filed {
                Err(CommandError::Conflict) if attempts < 5 => attempts += 1,
                other => {
                    let (tx, case) = other?;
                    return Ok(Pending::new(tx, Handled { id, case }));
                }
            }
        }
    }

    /// A holder who is not a Japanese national has no family register, so
    /// no registered domicile to change (their nationality stands instead).
    async fn check_has_domicile(&self, registration_id: Uuid) -> Result<(), Error> {
        let (reg, _) = self
            .cases
            .registrations
            .load(&registration_id.to_string())
            .await?;
        match reg.applicant.as_ref().and_then(|a| a.nationality.as_ref()) {
            Some(_) => Err(Error::Invalid(vec![FieldError::new(
                "/kind",
                "NOT_APPLICABLE",
                "the holder is not a Japanese national: no family register, so no registered domicile to change",
            )])),
            None => Ok(()),
        }
    }

    async fn file_once(
        &self,
        tx: Appending,
        context: &Context,
        registration_id: Uuid,
        request_id: Uuid,
        details: ChangeDetails,
    ) -> Result<(Appending, Executed<ChangeRequest>), CommandError<DomainError>> {
        let now = self.clock.now();
        let meta = context.metadata();
        // The registration reserves the slot (one open request per kind).
        let file = RegistrationCommand::FileChangeRequest {
            request_id,
            details: Box::new(details.clone()),
            actor: context.actor.clone(),
            at: now,
        };
        let (tx, reg) = self
            .cases
            .registrations
            .execute_in(
                tx,
                &registration_id.to_string(),
                file,
                None,
                &meta,
                Target::Existing,
            )
            .await?;
        // The process manager opens it too once it sees the slot taken: the
        // request's Submit is idempotent, so whichever comes second adds nothing.
        let submit = ChangeRequestCommand::Submit {
            registration_id,
            qualification_code: reg.state.qualification_code.clone(),
            holder: reg.state.owner.clone(),
            details: Box::new(details),
            at: now,
        };
        self.cases
            .change_requests
            .execute_in(
                tx,
                &request_id.to_string(),
                submit,
                None,
                &meta,
                Target::New,
            )
            .await
    }
}
