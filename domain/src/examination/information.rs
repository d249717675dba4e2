//! Information requests: the assigned examiner asks, the applicant answers.

use chrono::{DateTime, Utc};

use super::{CaseStatus, Examination, ExaminationEvent};
use crate::attachment::AttachmentRef;
use crate::{Actor, DomainError};

impl Examination {
    /// The assigned examiner asks the applicant for information.
    pub fn request_information(
        &self,
        reason_code: String,
        message: String,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<ExaminationEvent, DomainError> {
        self.require_assignee(actor)?;
        self.require_status(CaseStatus::UnderExamination)?;
        if self.proposal.is_some() {
            return Err(DomainError::ProposalPending);
        }
        Ok(ExaminationEvent::InformationRequested {
            reason_code,
            message,
            by: actor.id.clone(),
            at,
        })
    }

    /// The applicant answers an information request.
    pub fn respond(
        &self,
        message: String,
        attachments: Vec<AttachmentRef>,
        at: DateTime<Utc>,
    ) -> Result<ExaminationEvent, DomainError> {
        if self.status != CaseStatus::ActionRequired {
            return Err(DomainError::NotActionRequired(self.status.as_str()));
        }
        let domicile = matches!(&self.open_request, Some((r, _)) if r == "DOMICILE_UNRESOLVED");
        if domicile && attachments.is_empty() {
            return Err(DomainError::AttachmentRequired);
        }
        Ok(ExaminationEvent::ApplicantResponded {
            message,
            attachments,
            at,
            paper: None,
        })
    }
}
