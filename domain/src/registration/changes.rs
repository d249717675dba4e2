//! The change slots of a registration: filing a change request against it,
//! carrying out an approved one, and ending one. One request of each kind
//! may be open at a time, so two requests never race to change the same
//! matters.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::aggregate::{QualificationRegistration, RegistrationServices};
use super::event::RegistrationEvent;
use crate::catalogue::Procedure;
use crate::change_request::ChangeDetails;
use crate::death_notification::is_death_notification;
use crate::examination::{check_visible, CaseStatus};
use crate::DomainError;

impl QualificationRegistration {
    pub(super) fn file_change_request(
        &self,
        request_id: Uuid,
        details: Box<ChangeDetails>,
        actor: &crate::Actor,
        services: &RegistrationServices,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        // Only the holder files online, or an examiner enters on paper; a
        // relative notifies a death by naming the deceased (`NotifyDeath`), so
        // a registration's id reveals nothing to anyone else.
        if !actor.role.is_examiner() {
            check_visible(self.owner.as_deref(), actor)?;
        }
        if self
            .open_change_requests
            .iter()
            .any(|(id, _)| *id == request_id)
        {
            return Ok(vec![]);
        }
        match self.status() {
            s if s.on_register() => {}
            CaseStatus::Deleted => return Err(DomainError::RegistrationDeleted),
            CaseStatus::Revoked => return Err(DomainError::RegistrationRevoked),
            _ => return Err(DomainError::NotRegistered),
        }
        // A death notification (a relative's, or one entered from paper)
        // neither holds nor needs the slot: it never blocks the holder.
        if !is_death_notification(&details)
            && self
                .open_change_requests
                .iter()
                .any(|(_, d)| d.kind == details.kind && !is_death_notification(d))
        {
            return Err(DomainError::ChangeRequestOpen);
        }
        self.check_endorsement(&details, &services.catalogue)?;
        Ok(vec![RegistrationEvent::ChangeRequestFiled {
            request_id,
            details,
            at,
        }])
    }

    pub(super) fn apply_change(
        &self,
        request_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        if self.applied_change_requests.contains(&request_id) {
            return Ok(vec![]);
        }
        match self.status() {
            CaseStatus::Deleted => return Err(DomainError::RegistrationDeleted),
            CaseStatus::Revoked => return Err(DomainError::RegistrationRevoked),
            _ => {}
        }
        let (_, details) = self
            .open_change_requests
            .iter()
            .find(|(id, _)| *id == request_id)
            .ok_or(DomainError::NotFound)?;
        Ok(vec![match details.kind {
            Procedure::ReissueCertificate => {
                RegistrationEvent::CertificateReissueRequested { request_id, at }
            }
            Procedure::Endorsement => match &details.endorsement {
                Some(change) => self.endorsement_event(request_id, change, at),
                None => return Err(DomainError::UnknownEndorsement),
            },
            Procedure::DeleteRegistration => RegistrationEvent::RegistrationDeleted {
                request_id,
                reason: details.deletion_reason,
                at,
            },
            _ => RegistrationEvent::RegisteredMattersChanged {
                request_id,
                changes: details.changes.clone(),
                at,
            },
        }])
    }

    /// Frees the slot of a request that ended without a change (once).
    pub(super) fn close_change_request(
        &self,
        request_id: Uuid,
        at: DateTime<Utc>,
    ) -> Vec<RegistrationEvent> {
        if self
            .open_change_requests
            .iter()
            .any(|(id, _)| *id == request_id)
        {
            vec![RegistrationEvent::ChangeRequestClosed { request_id, at }]
        } else {
            vec![]
        }
    }

    pub(super) fn end_change_request(&mut self, request_id: Uuid, applied: bool) {
        self.open_change_requests
            .retain(|(id, _)| *id != request_id);
        if applied {
            self.applied_change_requests.push(request_id);
        }
    }
}
