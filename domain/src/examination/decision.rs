//! Deciding a case: a proposal by the assigned examiner, confirmed by another
//! (senior) examiner; or the applicant's withdrawal while it is undecided.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseStatus, Examination, ExaminationEvent};
use crate::{Actor, DomainError, Role};

/// The outcome an examiner proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Approve,
    Reject,
}

/// A proposed decision waiting for a senior examiner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Approve or reject.
    pub outcome: Outcome,
    /// Stable reason code (required for a rejection).
    pub reason_code: Option<String>,
    /// The examiner's note.
    pub note: String,
    /// Who proposed it.
    pub by: String,
}

/// The stable reason codes for information requests and rejections.
pub const REASON_CODES: &[&str] = &[
    "DOMICILE_UNRESOLVED",
    "DOCUMENT_MISSING",
    "FEE_UNPAID",
    "IDENTITY_MISMATCH",
    "NOT_ELIGIBLE",
    "DISQUALIFIED",
    "DUPLICATE",
];

impl Examination {
    /// The assigned examiner proposes a decision.
    pub fn propose(
        &self,
        outcome: Outcome,
        reason_code: Option<String>,
        note: String,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<ExaminationEvent, DomainError> {
        self.require_assignee(actor)?;
        self.require_status(CaseStatus::UnderExamination)?;
        if self.proposal.is_some() {
            return Err(DomainError::ProposalPending);
        }
        if outcome == Outcome::Reject && reason_code.is_none() {
            return Err(DomainError::ReasonRequired);
        }
        self.require_flags_cleared(outcome)?;
        Ok(ExaminationEvent::DecisionProposed {
            proposal: Proposal {
                outcome,
                reason_code,
                note,
                by: actor.id.clone(),
            },
            at,
        })
    }

    /// A senior examiner other than the proposer confirms the proposal. On a
    /// rejection the rejection follows; on approval the aggregate adds its effect.
    pub fn approve(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<(Outcome, Vec<ExaminationEvent>), DomainError> {
        if actor.role != Role::SeniorExaminer {
            return Err(DomainError::WrongRole);
        }
        self.require_status(CaseStatus::UnderExamination)?;
        let proposal = self.proposal.as_ref().ok_or(DomainError::NoProposal)?;
        if proposal.by == actor.id {
            return Err(DomainError::FourEyes);
        }
        self.require_flags_cleared(proposal.outcome)?;
        let mut events = vec![ExaminationEvent::DecisionApproved {
            outcome: proposal.outcome,
            proposed_by: proposal.by.clone(),
            by: actor.id.clone(),
            at,
        }];
        if proposal.outcome == Outcome::Reject {
            events.push(ExaminationEvent::ApplicationRejected {
                reason_code: proposal.reason_code.clone().unwrap_or_default(),
                at,
            });
        }
        Ok((proposal.outcome, events))
    }

    /// A senior examiner other than the proposer sends the proposal back to
    /// the proposer with a reason; the case is theirs to examine again.
    pub fn return_proposal(
        &self,
        reason: String,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<ExaminationEvent, DomainError> {
        if actor.role != Role::SeniorExaminer {
            return Err(DomainError::WrongRole);
        }
        self.require_status(CaseStatus::UnderExamination)?;
        let proposal = self.proposal.as_ref().ok_or(DomainError::NoProposal)?;
        if proposal.by == actor.id {
            return Err(DomainError::FourEyes);
        }
        Ok(ExaminationEvent::ProposalReturned {
            proposed_by: proposal.by.clone(),
            reason,
            by: actor.id.clone(),
            at,
        })
    }

    /// The applicant withdraws while the case is undecided.
    pub fn withdraw(&self, at: DateTime<Utc>) -> Result<ExaminationEvent, DomainError> {
        if self.status.is_decided() {
            return Err(DomainError::AlreadyDecided(self.status.as_str()));
        }
        Ok(ExaminationEvent::ApplicationWithdrawn { at, paper: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn under_examination() -> Examination {
        Examination {
            status: CaseStatus::UnderExamination,
            ..Examination::default()
        }
    }

    #[test]
    fn decisions_need_four_eyes() {
        let mut exam = under_examination();
        let sr = Actor::new("sr", Role::SeniorExaminer);
        exam.apply(&exam.assign("sr", &sr, now()).unwrap().unwrap());
        let proposal = exam
            .propose(Outcome::Approve, None, String::new(), &sr, now())
            .unwrap();
        exam.apply(&proposal);
        assert_eq!(exam.approve(&sr, now()).unwrap_err(), DomainError::FourEyes);
        let other = Actor::new("sr2", Role::SeniorExaminer);
        let (outcome, events) = exam.approve(&other, now()).unwrap();
        assert_eq!(outcome, Outcome::Approve);
        for e in &events {
            exam.apply(e);
        }
        assert_eq!(exam.status, CaseStatus::Approved);
        assert!(matches!(
            exam.withdraw(now()),
            Err(DomainError::AlreadyDecided(_))
        ));
    }

    #[test]
    fn a_senior_examiner_returns_a_proposal_to_its_proposer() {
        let mut exam = under_examination();
        let ex = Actor::new("ex", Role::Examiner);
        exam.apply(&exam.assign("ex", &ex, now()).unwrap().unwrap());
        let sr = Actor::new("sr", Role::SeniorExaminer);
        assert_eq!(
            exam.return_proposal("why".into(), &sr, now()),
            Err(DomainError::NoProposal)
        );
        exam.apply(
            &exam
                .propose(Outcome::Approve, None, String::new(), &ex, now())
                .unwrap(),
        );
        assert_eq!(
            exam.return_proposal("why".into(), &ex, now()),
            Err(DomainError::WrongRole),
            "examiners do not return proposals"
        );
        // Someone else took the case over meanwhile: it goes back to the proposer.
        exam.assignee = Some("other".into());
        let returned = exam
            .return_proposal("check the pass number".into(), &sr, now())
            .unwrap();
        exam.apply(&returned);
        assert!(exam.proposal.is_none());
        assert_eq!(exam.assignee.as_deref(), Some("ex"));
        assert_eq!(exam.status, CaseStatus::UnderExamination);
        // The proposer proposes again; a senior proposer cannot return their own.
        let senior_proposer = Actor::new("sr2", Role::SeniorExaminer);
        exam.assignee = Some("sr2".into());
        exam.apply(
            &exam
                .propose(
                    Outcome::Approve,
                    None,
                    String::new(),
                    &senior_proposer,
                    now(),
                )
                .unwrap(),
        );
        assert_eq!(
            exam.return_proposal("mine".into(), &senior_proposer, now()),
            Err(DomainError::FourEyes)
        );
    }

    #[test]
    fn rejection_needs_a_reason_and_records_it() {
        let mut exam = under_examination();
        let ex = Actor::new("ex", Role::Examiner);
        exam.apply(&exam.assign("ex", &ex, now()).unwrap().unwrap());
        assert_eq!(
            exam.propose(Outcome::Reject, None, String::new(), &ex, now()),
            Err(DomainError::ReasonRequired)
        );
        let p = exam
            .propose(
                Outcome::Reject,
                Some("DUPLICATE".into()),
                String::new(),
                &ex,
                now(),
            )
            .unwrap();
        exam.apply(&p);
        let (_, events) = exam
            .approve(&Actor::new("sr", Role::SeniorExaminer), now())
            .unwrap();
        for e in &events {
            exam.apply(e);
        }
        assert_eq!(exam.status, CaseStatus::Rejected);
        assert_eq!(exam.rejection_reason.as_deref(), Some("DUPLICATE"));
    }
}
