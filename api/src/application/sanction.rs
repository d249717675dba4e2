//! Opening a sanction case on a registration: an examiner's act, checked
//! field by field, then recorded as the case's first events.

use chrono::NaiveDate;
use domain::sanction::{Sanction, SanctionCommand, SanctionDetails, SanctionKind};
use domain::DomainError;
use eventstore::store::{CommandError, Target};
use eventstore::Appending;
use uuid::Uuid;

use super::fields::{check_text, nfc};
use super::{Context, Error, FieldError, Handled, Pending, UseCases};

/// A sanction as the examiner wrote it.
#[derive(Debug)]
pub struct SanctionInput {
    pub kind: SanctionKind,
    pub reason: String,
    pub legal_basis: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl SanctionInput {
    /// Every invalid field at once: grounds given, a start not in the past,
    /// and a suspension's end after its start (a revocation has none).
    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        check_text(&mut errors, "reason", &self.reason, 2000);
        check_text(&mut errors, "legal_basis", &self.legal_basis, 200);
        if self.starts_on < domain::calendar::japan_today() {
            errors.push(FieldError::new(
                "/starts_on",
                "IN_PAST",
                "a sanction cannot start before today",
            ));
        }
        match (self.kind, self.ends_on) {
            (SanctionKind::Suspension, None) => errors.push(FieldError::new(
                "/ends_on",
                "REQUIRED",
                "a suspension needs its end date",
            )),
            (SanctionKind::Suspension, Some(end)) if end <= self.starts_on => {
                errors.push(FieldError::new(
                    "/ends_on",
                    "NOT_AFTER_START",
                    "a suspension ends after the day it starts",
                ))
            }
            (SanctionKind::Revocation, Some(_)) => errors.push(FieldError::new(
                "/ends_on",
                "NOT_ALLOWED",
                "a revocation has no end date",
            )),
            _ => {}
        }
        errors
    }
}

impl UseCases<'_> {
    /// Opens a sanction case on a registration on the register; the case's
    /// holder is the registration's, who is told and may answer requests.
    pub async fn open_sanction(
        &self,
        context: &Context,
        registration_id: Uuid,
        input: SanctionInput,
    ) -> Result<Pending<Handled<Sanction>>, Error> {
        if !context.actor.role.is_examiner() {
            return Err(Error::WrongRole("only examiners open sanction cases"));
        }
        let errors = input.validate();
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let (reg, _) = self
            .cases
            .registrations
            .load(&registration_id.to_string())
            .await?;
        if !reg.exists() {
            return Err(Error::NotFound);
        }
        let status = reg.status();
        if !status.on_register() {
            let refused = match status {
                domain::examination::CaseStatus::Deleted => DomainError::RegistrationDeleted,
                domain::examination::CaseStatus::Revoked => DomainError::RegistrationRevoked,
                _ => DomainError::NotRegistered,
            };
            return Err(CommandError::Domain(refused).into());
        }
        let id = Uuid::new_v4();
        let open = SanctionCommand::Open {
            registration_id,
            qualification_code: reg.qualification_code.clone(),
            holder: reg.owner.clone(),
            details: Box::new(SanctionDetails {
                kind: input.kind,
                reason: nfc(&input.reason),
                legal_basis: nfc(&input.legal_basis),
                starts_on: input.starts_on,
                ends_on: input.ends_on,
                opened_by: context.actor.id.clone(),
            }),
            actor: context.actor.clone(),
            at: self.clock.now(),
        };
        let tx = Appending::begin(self.pool).await?;
        let (tx, case) = self
            .cases
            .sanctions
            .execute_in(
                tx,
                &id.to_string(),
                open,
                None,
                &context.metadata(),
                Target::New,
            )
            .await?;
        Ok(Pending::new(tx, Handled { id, case }))
    }
}
