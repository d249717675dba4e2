//! Opening a sanction case on a registration: an examiner's act, checked
//! field by field, then recorded as the case's first events.

use chrono::NaiveDate;
use domain::catalogue::Qualification;
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
    /// Every invalid field at once: grounds given, a start not before
    /// `today`, and a suspension's end after its start (a revocation has
    /// none). The legal basis is checked once the catalogue's is known.
    fn validate(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut errors = Vec::new();
        check_text(&mut errors, "reason", &self.reason, 2000);
        if !self.legal_basis.trim().is_empty() {
            check_text(&mut errors, "legal_basis", &self.legal_basis, 200);
        }
        if self.starts_on < today {
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

/// The legal basis a sanction of `kind` on a registration of `qualification`
/// rests on: the one written, else the catalogue's. Refused when the
/// qualification's Act (as the catalogue records it) provides no such
/// sanction, or when neither names an article.
fn legal_basis(
    qualification: Option<&Qualification>,
    kind: SanctionKind,
    written: &str,
) -> Result<String, FieldError> {
    let Some(allowed) = qualification
        .into_iter()
        .flat_map(|q| &q.sanctions)
        .find(|s| s.kind == kind.measure())
    else {
        return Err(FieldError::new(
            "/kind",
            "SANCTION_NOT_PROVIDED",
            format!(
                "the qualification's Act provides no {}",
                kind.measure().as_str().to_lowercase()
            ),
        ));
    };
    match (written.trim(), &allowed.legal_basis) {
        ("", Some(article)) => Ok(article.clone()),
        ("", None) => Err(FieldError::new(
            "/legal_basis",
            "REQUIRED",
            "the catalogue records no article for this sanction: name it",
        )),
        (written, _) => Ok(nfc(written)),
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
        let errors = input.validate(self.clock.today());
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
        let qualification = self.catalogue.qualification(&reg.qualification_code);
        let legal_basis = legal_basis(qualification, input.kind, &input.legal_basis)
            .map_err(|e| Error::Invalid(vec![e]))?;
        let id = Uuid::new_v4();
        let open = SanctionCommand::Open {
            registration_id,
            qualification_code: reg.qualification_code.clone(),
            holder: reg.owner.clone(),
            details: Box::new(SanctionDetails {
                kind: input.kind,
                reason: nfc(&input.reason),
                legal_basis,
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

#[cfg(test)]
mod tests {
    use domain::catalogue::{AllowedSanction, Qualification, SanctionMeasure};
    use domain::registration::number::{NumberFormat, NumberSeries};

    use super::*;

    fn revocable(article: Option<&str>) -> Qualification {
        let mut q = Qualification::bare(
            "X",
            NumberFormat::parse("^[0-9]+$").unwrap(),
            NumberSeries::National,
        );
        q.sanctions = vec![AllowedSanction {
            kind: SanctionMeasure::Revocation,
            legal_basis: article.map(str::to_owned),
        }];
        q
    }

    #[test]
    fn the_legal_basis_is_the_one_written_else_the_catalogues_and_the_kind_must_be_provided() {
        let q = revocable(Some("第32条"));
        let basis = |q: &Qualification, kind, written| legal_basis(Some(q), kind, written);
        assert_eq!(basis(&q, SanctionKind::Revocation, " ").unwrap(), "第32条");
        assert_eq!(
            basis(&q, SanctionKind::Revocation, "第3条").unwrap(),
            "第3条"
        );
        let refused = basis(&q, SanctionKind::Suspension, "第3条").unwrap_err();
        assert_eq!(refused.code, "SANCTION_NOT_PROVIDED");
        let unrecorded = basis(&revocable(None), SanctionKind::Revocation, "").unwrap_err();
        assert_eq!(
            (unrecorded.pointer.as_str(), unrecorded.code.as_str()),
            ("/legal_basis", "REQUIRED")
        );
        assert!(legal_basis(None, SanctionKind::Revocation, "第3条").is_err());
    }
}
