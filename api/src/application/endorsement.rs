//! ENDORSEMENT change requests: the endorsement named must be one the
//! catalogue defines for the registration's qualification, and adding one
//! whose catalogue entry names a document needs that document attached
//! (removing one needs nothing: it is the holder's own declaration). Whether
//! the registration already holds it is the aggregate's to decide (409).

use domain::catalogue::Procedure;
use domain::change_request::{ChangeDetails, EndorsementAction, EndorsementChange};
use domain::examination::check_visible;
use uuid::Uuid;

use super::{Context, Error, FieldError, UseCases};

/// The endorsement fields of a change request as written.
#[derive(Debug, Default)]
pub struct EndorsementInput {
    /// The catalogue's code of the endorsement.
    pub code: Option<String>,
    /// `ADD` or `REMOVE`.
    pub action: Option<String>,
}

impl EndorsementInput {
    /// Checks the fields against the request's kind: an ENDORSEMENT request
    /// needs both, any other kind takes neither. The names are filled in
    /// once the registration's qualification is known.
    pub(super) fn validate(
        &self,
        kind: Procedure,
        errors: &mut Vec<FieldError>,
    ) -> Option<EndorsementChange> {
        if kind != Procedure::Endorsement {
            for (field, value) in [("endorsement_code", &self.code), ("action", &self.action)] {
                if value.is_some() {
                    errors.push(FieldError::new(
                        format!("/changes/{field}"),
                        "NOT_ALLOWED",
                        format!("only ENDORSEMENT takes {field}, not {}", kind.as_str()),
                    ));
                }
            }
            return None;
        }
        let code = match self.code.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => Some(code.to_owned()),
            _ => {
                errors.push(FieldError::new(
                    "/changes/endorsement_code",
                    "REQUIRED",
                    "ENDORSEMENT needs the code of the endorsement (see GET /v1/qualifications)",
                ));
                None
            }
        };
        let action = match self.action.as_deref() {
            Some("ADD") => Some(EndorsementAction::Add),
            Some("REMOVE") => Some(EndorsementAction::Remove),
            None => {
                errors.push(FieldError::new(
                    "/changes/action",
                    "REQUIRED",
                    "ENDORSEMENT needs the action, ADD or REMOVE",
                ));
                None
            }
            Some(_) => {
                errors.push(FieldError::new(
                    "/changes/action",
                    "UNKNOWN_VALUE",
                    "must be ADD or REMOVE",
                ));
                None
            }
        };
        Some(EndorsementChange {
            code: code?,
            action: action?,
            name_ja: String::new(),
            name_en: String::new(),
        })
    }
}

impl UseCases<'_> {
    /// Checks an ENDORSEMENT request against the registration's
    /// qualification and records the catalogue's names of the endorsement.
    pub(super) async fn check_endorsement(
        &self,
        context: &Context,
        registration_id: Uuid,
        details: &mut ChangeDetails,
        attachment_ids: &[Uuid],
    ) -> Result<(), Error> {
        let Some(change) = details.endorsement.as_mut() else {
            return Ok(());
        };
        let (reg, _) = self
            .cases
            .registrations
            .load(&registration_id.to_string())
            .await?;
        if !reg.exists() {
            return Err(Error::NotFound);
        }
        // Someone else's registration is not found, whatever they asked.
        if !context.actor.role.is_examiner()
            && check_visible(reg.owner.as_deref(), &context.actor).is_err()
        {
            return Err(Error::NotFound);
        }
        let qualification = self.catalogue.qualification(&reg.qualification_code);
        let defined = qualification
            .map(|q| q.endorsements.as_slice())
            .unwrap_or_default();
        let Some(endorsement) = defined.iter().find(|e| e.code == change.code) else {
            let known: Vec<&str> = defined.iter().map(|e| e.code.as_str()).collect();
            let known = match known.is_empty() {
                true => "none".to_owned(),
                false => known.join(", "),
            };
            return Err(Error::Invalid(vec![FieldError::new(
                "/changes/endorsement_code",
                "UNKNOWN_ENDORSEMENT",
                format!(
                    "{} defines no endorsement {} (it defines: {known})",
                    reg.qualification_code, change.code
                ),
            )]));
        };
        if let (EndorsementAction::Add, Some(evidence), true) = (
            change.action,
            &endorsement.evidence,
            attachment_ids.is_empty(),
        ) {
            return Err(Error::Invalid(vec![FieldError::new(
                "/attachment_ids",
                "REQUIRED",
                format!("adding {} needs {evidence} attached", endorsement.code),
            )]));
        }
        change.name_ja = endorsement.name_ja.clone();
        change.name_en = endorsement.name_en.clone();
        Ok(())
    }
}
