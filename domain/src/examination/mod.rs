//! The examination rules every case type shares: assignment before any
//! examiner action, information requests and responses, a four-eyes decision,
//! rejection and withdrawal. Aggregates embed [`Examination`] and wrap its events.
//! What examiners record for paper cases is in [`paper`].

mod assignment;
mod command;
mod decision;
mod documents;
mod event;
mod fee;
mod flag;
pub(crate) mod flat;
mod information;
mod inquiry;
pub mod paper;
mod status;

use serde::{Deserialize, Serialize};

use crate::money::Fee;
use crate::payment::PaymentState;
use crate::registration::Channel;
use crate::registry::{InquiryAnswer, InquiryOutcome};
use crate::{Actor, DomainError};

pub use command::{check_visible, require_owner, ExaminationCommand};
pub use decision::{Outcome, Proposal, REASON_CODES};
pub use event::ExaminationEvent;
pub use inquiry::{inquiry_flags, DOMICILE_UNRESOLVED_MESSAGE, INQUIRY_PENDING};
pub use status::CaseStatus;

/// Examination state of one case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Examination {
    /// Where the case stands.
    pub status: CaseStatus,
    /// The examiner working the case.
    pub assignee: Option<String>,
    /// A decision waiting for approval.
    pub proposal: Option<Proposal>,
    /// The open information request: reason code and message.
    pub open_request: Option<(String, String)>,
    /// Why the case was rejected.
    pub rejection_reason: Option<String>,
    /// The assessed fee.
    pub fee: Fee,
    /// Whether the fee was paid.
    pub paid: bool,
    /// Whether the last payment attempt was declined.
    pub payment_declined: bool,
    /// The registers' answer, once asked.
    pub inquiry: Option<InquiryAnswer>,
    /// Checkout, settlement reference and refund.
    #[serde(default)]
    pub payment: PaymentState,
    /// Set for a procedure the registers are never asked about (a re-issue,
    /// a deletion): such a case never waits for their answer.
    #[serde(default)]
    pub registers_not_asked: bool,
    /// Flags an examiner must clear with a reason before approving.
    #[serde(default)]
    pub open_flags: Vec<String>,
}

impl Examination {
    /// Decides a shared command on a case owned by `owner` that came in on
    /// `channel`. Returns the events
    /// and, for a confirmed decision, its outcome, which the aggregate gives
    /// effect to (a registration number, a change on the register).
    pub fn decide(
        &self,
        command: ExaminationCommand,
        owner: Option<&str>,
        channel: Channel,
    ) -> Result<(Vec<ExaminationEvent>, Option<Outcome>), DomainError> {
        use ExaminationCommand as C;
        if let Some(actor) = command.actor() {
            check_visible(owner, actor)?;
        }
        let one = |e: ExaminationEvent| Ok((vec![e], None));
        match command {
            C::SettlePayment {
                payment_reference,
                amount,
                at,
            } => Ok((
                self.settle_payment(payment_reference, amount, at)?
                    .into_iter()
                    .collect(),
                None,
            )),
            C::DeclinePayment { at } => one(self.decline_payment(at)?),
            C::Payment(command) => Ok((self.decide_payment(command).into_iter().collect(), None)),
            C::RecordInquiry { answer, at } => {
                Ok((self.record_inquiry(answer, at).into_iter().collect(), None))
            }
            C::Assign {
                examiner,
                actor,
                at,
            } => Ok((
                self.assign(&examiner, &actor, at)?.into_iter().collect(),
                None,
            )),
            C::RequestInformation {
                reason_code,
                message,
                actor,
                at,
            } => one(self.request_information(reason_code, message, &actor, at)?),
            C::Respond {
                message,
                attachments,
                actor,
                at,
            } => {
                require_owner(owner, &actor)?;
                one(self.respond(message, attachments, at)?)
            }
            C::ProposeDecision {
                outcome,
                reason_code,
                note,
                actor,
                at,
            } => one(self.propose(outcome, reason_code, note, &actor, at)?),
            C::ApproveDecision { actor, at } => {
                let (outcome, events) = self.approve(&actor, at)?;
                Ok((events, Some(outcome)))
            }
            C::ReturnProposal { reason, actor, at } => {
                one(self.return_proposal(reason, &actor, at)?)
            }
            C::Withdraw { actor, at } => {
                require_owner(owner, &actor)?;
                let withdrawn = self.withdraw(at)?;
                let refund = self.refund_on_withdrawal(at);
                Ok((std::iter::once(withdrawn).chain(refund).collect(), None))
            }
            C::Paper(paper) => one(self.decide_paper(paper, channel)?),
            C::ClearFlag {
                flag,
                reason,
                actor,
                at,
            } => one(self.clear_flag(flag, reason, &actor, at)?),
        }
    }

    /// Applies a shared event to the state.
    pub fn apply(&mut self, event: &ExaminationEvent) {
        if let Some(status) = event.status_after() {
            self.status = status;
        }
        match event {
            ExaminationEvent::FeeAssessed { fee } => self.fee = *fee,
            ExaminationEvent::PaymentSettled {
                payment_reference, ..
            } => {
                self.paid = true;
                self.payment_declined = false;
                self.payment.checkout = None;
                self.payment.reference = Some(payment_reference.clone());
            }
            ExaminationEvent::PaymentDeclined { .. } => self.payment_declined = true,
            ExaminationEvent::RegistryInquiryAnswered { answer, .. } => {
                if answer.outcome == InquiryOutcome::DomicileUnresolved {
                    self.open_request = Some((
                        "DOMICILE_UNRESOLVED".to_owned(),
                        DOMICILE_UNRESOLVED_MESSAGE.to_owned(),
                    ));
                }
                self.inquiry = Some(answer.clone());
            }
            ExaminationEvent::ExaminerAssigned { examiner, .. } => {
                self.assignee = Some(examiner.clone())
            }
            ExaminationEvent::InformationRequested {
                reason_code,
                message,
                ..
            } => self.open_request = Some((reason_code.clone(), message.clone())),
            ExaminationEvent::ApplicantResponded { .. } => self.open_request = None,
            ExaminationEvent::DecisionProposed { proposal, .. } => {
                self.proposal = Some(proposal.clone())
            }
            ExaminationEvent::DecisionApproved { .. } => self.proposal = None,
            ExaminationEvent::ProposalReturned { proposed_by, .. } => {
                self.proposal = None;
                self.assignee = Some(proposed_by.clone());
            }
            ExaminationEvent::ApplicationRejected { reason_code, .. } => {
                self.rejection_reason = Some(reason_code.clone())
            }
            ExaminationEvent::ApplicationWithdrawn { .. } => {}
            ExaminationEvent::FlagRaised { .. } | ExaminationEvent::FlagCleared { .. } => {
                self.apply_flag(event)
            }
            ExaminationEvent::Payment(p) => self.apply_payment(p),
        }
    }

    fn require_open_examination(&self) -> Result<(), DomainError> {
        match self.status {
            CaseStatus::UnderExamination | CaseStatus::ActionRequired => Ok(()),
            s if s.is_decided() => Err(DomainError::AlreadyDecided(s.as_str())),
            s => Err(DomainError::NotUnderExamination(s.as_str())),
        }
    }

    fn require_status(&self, wanted: CaseStatus) -> Result<(), DomainError> {
        match self.status {
            s if s == wanted => Ok(()),
            s if s.is_decided() => Err(DomainError::AlreadyDecided(s.as_str())),
            s => Err(DomainError::NotUnderExamination(s.as_str())),
        }
    }

    fn require_assignee(&self, actor: &Actor) -> Result<(), DomainError> {
        if !actor.role.is_examiner() {
            return Err(DomainError::WrongRole);
        }
        match &self.assignee {
            None => Err(DomainError::NotAssigned),
            Some(a) if *a != actor.id => Err(DomainError::NotAssignee),
            Some(_) => Ok(()),
        }
    }
}
