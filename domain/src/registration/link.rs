//! The initial setting's link and its dispute: a paper-era registration
//! gets an online holder once, and anyone else who says it is not theirs is
//! heard by the office. A senior examiner resolves the dispute: the link
//! stands, or is undone so that the rightful holder can link again.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{QualificationRegistration, RegistrationEvent};
use crate::examination::CaseStatus;
use crate::{Actor, DomainError, Role};

/// The link disputes a registration shows (and the queue), while the office
/// looks into them.
pub const LINK_DISPUTED: &str = "LINK_DISPUTED";

impl QualificationRegistration {
    /// Links the registration to `actor` (once: linking again is nothing).
    pub(super) fn link_holder(
        &self,
        my_number_ref: Uuid,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        match &self.owner {
            Some(owner) if *owner == actor.id => Ok(vec![]),
            // Linked to someone else, or not on the register: as if absent.
            Some(_) => Err(DomainError::NotFound),
            None if self.status() != CaseStatus::Registered => Err(DomainError::NotFound),
            None => Ok(vec![RegistrationEvent::HolderLinked {
                owner: actor.id,
                my_number_ref,
                at,
            }]),
        }
    }

    /// Records that someone other than the linked holder disputes the link.
    /// Only a link made online can be disputed; a registration applied for
    /// online has its applicant as holder from the start.
    pub(super) fn dispute_link(
        &self,
        reason: String,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        if self.linked_at.is_none() {
            return Err(DomainError::NotLinked);
        }
        if self.owner.as_deref() == Some(actor.id.as_str()) {
            return Err(DomainError::WrongRole);
        }
        Ok(vec![RegistrationEvent::HolderLinkDisputed {
            qualification_code: self.qualification_code.clone(),
            disputed_by: actor.id,
            reason,
            at,
        }])
    }

    /// A senior examiner ends the open dispute, saying why: `unlink` undoes
    /// the link. Senior, because it takes a registration from its online
    /// holder.
    pub(super) fn resolve_link_dispute(
        &self,
        unlink: bool,
        reason: String,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        if actor.role != Role::SeniorExaminer {
            return Err(DomainError::WrongRole);
        }
        if !self.link_disputed {
            return Err(DomainError::NoDispute);
        }
        if reason.trim().is_empty() {
            return Err(DomainError::ResolutionReasonRequired);
        }
        Ok(vec![RegistrationEvent::LinkDisputeResolved {
            unlinked: unlink,
            reason,
            by: actor.id,
            at,
        }])
    }

    /// Applies a resolution: the dispute ends; an undone link leaves the
    /// registration as before it (no owner, the My Number it had).
    pub(super) fn resolve_link(&mut self, unlinked: bool) {
        self.link_disputed = false;
        if unlinked {
            self.owner = None;
            self.my_number_ref = self.my_number_ref_before_link.take();
            self.linked_at = None;
        }
    }
}
