//! Death notifications. A relative names the deceased as the holder would on
//! the initial setting (qualification, registration number, names, date of
//! birth), never by the registration's id, and is answered the same whether
//! or not that names a registration. A notice that identifies a registration
//! becomes a case examiners see: a DELETE_REGISTRATION change request for the
//! reason DEATH, examined like any other (four eyes), and only its approval
//! deletes the registration. It never reserves the registration's slot, so
//! the holder's own requests (or a mistaken notice) are never blocked by it.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::attachment::AttachmentRef;
use crate::catalogue::Procedure;
use crate::change_request::{ChangeDetails, DeletionReason, MatterChanges};
use crate::examination::CaseStatus;
use crate::language::Language;
use crate::registration::{Channel, QualificationRegistration, RegistrationEvent};
use crate::{Actor, DomainError};

/// What a relative states about the death.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeathNotice {
    /// DEATH, or DISAPPEARANCE for a declaration of disappearance.
    pub reason: DeletionReason,
    /// The date of death; for a declaration of disappearance, the day the
    /// holder is deemed dead (the end of the period of disappearance).
    pub date_of_death: NaiveDate,
    /// How the notifier is related to the deceased, e.g. "child".
    pub relationship: String,
    /// The death certificate; for a disappearance, the court's ruling with
    /// its certificate of finality, or a family-register extract recording it.
    pub attachments: Vec<AttachmentRef>,
    /// Where the notifier is answered (otherwise their inbox only).
    pub email: Option<String>,
    /// The language of the answers.
    pub preferred_language: Option<Language>,
    /// The receipt the notifier was given, so the office can find the case.
    pub receipt_id: Uuid,
}

impl DeathNotice {
    /// The case examiners confirm: a deletion for the reason DEATH (or
    /// DISAPPEARANCE), filed by the notifier.
    pub fn into_details(self, notifier: &str, channel: Channel) -> ChangeDetails {
        let what = match self.reason {
            DeletionReason::Disappearance => "disappearance",
            _ => "death",
        };
        ChangeDetails {
            kind: Procedure::DeleteRegistration,
            changes: MatterChanges::default(),
            deletion_reason: Some(self.reason),
            date_of_death: Some(self.date_of_death),
            notifier_relationship: Some(self.relationship),
            attachments: self.attachments,
            note: Some(format!("{what} notification, receipt {}", self.receipt_id)),
            filed_by: notifier.to_owned(),
            channel,
            email: self.email,
            preferred_language: self.preferred_language,
            endorsement: None,
        }
    }
}

/// Whether a filed request is a death notification, or one of a declaration
/// of disappearance (neither holds a slot).
pub fn is_death_notification(details: &ChangeDetails) -> bool {
    details.kind == Procedure::DeleteRegistration
        && details
            .deletion_reason
            .is_some_and(DeletionReason::deems_dead)
}

impl QualificationRegistration {
    /// Records a death notification about this registration, made by someone
    /// who identified it (see [`QualificationRegistration::identified_by`]).
    /// Any number of notices may be open beside the holder's own requests.
    pub(crate) fn notify_death(
        &self,
        request_id: Uuid,
        details: Box<ChangeDetails>,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        if !is_death_notification(&details) || details.filed_by != actor.id {
            return Err(DomainError::WrongRole);
        }
        if self
            .open_change_requests
            .iter()
            .any(|(id, _)| *id == request_id)
        {
            return Ok(vec![]);
        }
        if self.status() != CaseStatus::Registered {
            return Err(DomainError::NotRegistered);
        }
        Ok(vec![RegistrationEvent::ChangeRequestFiled {
            request_id,
            details,
            at,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn notice() -> DeathNotice {
        DeathNotice {
            reason: DeletionReason::Death,
            date_of_death: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            relationship: "child".into(),
            attachments: vec![],
            email: None,
            preferred_language: None,
            receipt_id: Uuid::nil(),
        }
    }

    #[test]
    fn a_notice_is_a_deletion_for_death_filed_by_the_notifier() {
        let details = notice().into_details("relative", Channel::Online);
        assert!(is_death_notification(&details));
        assert_eq!(details.filed_by, "relative");
        let reg = QualificationRegistration::default();
        let stranger = Actor::new("someone-else", Role::Applicant);
        assert_eq!(
            reg.notify_death(Uuid::new_v4(), Box::new(details), &stranger, Utc::now()),
            Err(DomainError::WrongRole),
            "a notice is filed in its notifier's name only"
        );
    }

    #[test]
    fn a_declaration_of_disappearance_is_notified_as_a_death_is() {
        let declared = DeathNotice {
            reason: DeletionReason::Disappearance,
            ..notice()
        };
        let details = declared.into_details("relative", Channel::Online);
        assert!(is_death_notification(&details));
        assert_eq!(details.deletion_reason, Some(DeletionReason::Disappearance));
        assert_eq!(
            details.note.as_deref(),
            Some("disappearance notification, receipt 00000000-0000-0000-0000-000000000000")
        );
        // A holder's own request for deletion is not one.
        let own = ChangeDetails {
            deletion_reason: Some(DeletionReason::HolderRequest),
            ..details
        };
        assert!(!is_death_notification(&own));
        assert!(!DeletionReason::HolderRequest.deems_dead());
    }
}
