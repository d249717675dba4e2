//! Endorsements of a registration (付記事項): notes the catalogue defines per
//! qualification, added or removed by an approved ENDORSEMENT change request
//! (e.g. a certified care worker's completed practical training in
//! suctioning). The register keeps the names the catalogue gave when the
//! request was filed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::aggregate::QualificationRegistration;
use super::event::RegistrationEvent;
use crate::catalogue::{Catalogue, Procedure};
use crate::change_request::{ChangeDetails, EndorsementAction, EndorsementChange};
use crate::DomainError;

/// An endorsement the registration carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldEndorsement {
    /// The catalogue's code.
    pub code: String,
    /// The name in Japanese, as recorded when it was added.
    pub name_ja: String,
    /// The name in English, as recorded when it was added.
    pub name_en: String,
    /// When the approved request added it.
    pub added_at: DateTime<Utc>,
}

impl QualificationRegistration {
    /// Whether the registration carries the endorsement `code`.
    pub fn holds_endorsement(&self, code: &str) -> bool {
        self.endorsements.iter().any(|e| e.code == code)
    }

    /// An ENDORSEMENT request must name an endorsement of the registration's
    /// qualification, add one not held and remove one held.
    pub(super) fn check_endorsement(
        &self,
        details: &ChangeDetails,
        catalogue: &Catalogue,
    ) -> Result<(), DomainError> {
        let change = match (details.kind, &details.endorsement) {
            (Procedure::Endorsement, Some(change)) => change,
            (Procedure::Endorsement, None) => return Err(DomainError::UnknownEndorsement),
            _ => return Ok(()),
        };
        let defined = catalogue
            .qualification(&self.qualification_code)
            .is_some_and(|q| q.endorsements.iter().any(|e| e.code == change.code));
        if !defined {
            return Err(DomainError::UnknownEndorsement);
        }
        match (change.action, self.holds_endorsement(&change.code)) {
            (EndorsementAction::Add, true) => Err(DomainError::EndorsementAlreadyHeld),
            (EndorsementAction::Remove, false) => Err(DomainError::EndorsementNotHeld),
            _ => Ok(()),
        }
    }

    /// The event that carries out an approved ENDORSEMENT request.
    pub(super) fn endorsement_event(
        &self,
        request_id: Uuid,
        change: &EndorsementChange,
        at: DateTime<Utc>,
    ) -> RegistrationEvent {
        let (code, name_ja, name_en) = (
            change.code.clone(),
            change.name_ja.clone(),
            change.name_en.clone(),
        );
        match change.action {
            EndorsementAction::Add => RegistrationEvent::EndorsementAdded {
                request_id,
                code,
                name_ja,
                name_en,
                at,
            },
            EndorsementAction::Remove => RegistrationEvent::EndorsementRemoved {
                request_id,
                code,
                name_ja,
                name_en,
                at,
            },
        }
    }

    pub(super) fn apply_endorsement_event(&mut self, event: RegistrationEvent) {
        match event {
            RegistrationEvent::EndorsementAdded {
                request_id,
                code,
                name_ja,
                name_en,
                at,
            } => {
                if !self.holds_endorsement(&code) {
                    self.endorsements.push(HeldEndorsement {
                        code,
                        name_ja,
                        name_en,
                        added_at: at,
                    });
                }
                self.end_change_request(request_id, true);
            }
            RegistrationEvent::EndorsementRemoved {
                request_id, code, ..
            } => {
                self.endorsements.retain(|e| e.code != code);
                self.end_change_request(request_id, true);
            }
            _ => {}
        }
    }
}
