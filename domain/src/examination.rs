//! The examination rules every case type shares: assignment before any
//! examiner action, information requests and responses, a four-eyes decision,
//! rejection and withdrawal. Aggregates embed [`Examination`] and wrap its events.
//! What examiners record for paper cases is in [`paper`].

pub mod paper;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::attachment::AttachmentRef;
use crate::money::Fee;
use crate::payment::{PaymentCommand, PaymentEvent, PaymentState};
use crate::registration::Channel;
use crate::registry::{InquiryAnswer, InquiryOutcome};
use crate::{Actor, DomainError, Role};
use paper::{PaperCommand, PaperRecord};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    #[default]
    Submitted,
    AwaitingPayment,
    UnderExamination,
    ActionRequired,
    Approved,
    Registered,
    Rejected,
    Withdrawn,
    /// A registration removed from the register.
    Deleted,
}

impl CaseStatus {
    /// The stable name used in views and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "SUBMITTED",
            CaseStatus::AwaitingPayment => "AWAITING_PAYMENT",
            CaseStatus::UnderExamination => "UNDER_EXAMINATION",
            CaseStatus::ActionRequired => "ACTION_REQUIRED",
            CaseStatus::Approved => "APPROVED",
            CaseStatus::Registered => "REGISTERED",
            CaseStatus::Rejected => "REJECTED",
            CaseStatus::Withdrawn => "WITHDRAWN",
            CaseStatus::Deleted => "DELETED",
        }
    }

    /// A decided case takes no more examination commands.
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            CaseStatus::Approved
                | CaseStatus::Registered
                | CaseStatus::Rejected
                | CaseStatus::Withdrawn
                | CaseStatus::Deleted
        )
    }
}

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

/// Events of the shared examination, fee and payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExaminationEvent {
    FeeAssessed {
        fee: Fee,
    },
    PaymentSettled {
        payment_reference: String,
        amount: i64,
        at: DateTime<Utc>,
        /// Set when an examiner recorded a fee paid on paper.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper: Option<PaperRecord>,
    },
    PaymentDeclined {
        at: DateTime<Utc>,
    },
    RegistryInquiryAnswered {
        answer: InquiryAnswer,
        at: DateTime<Utc>,
    },
    ExaminerAssigned {
        examiner: String,
        by: String,
        at: DateTime<Utc>,
    },
    InformationRequested {
        reason_code: String,
        message: String,
        by: String,
        at: DateTime<Utc>,
    },
    ApplicantResponded {
        message: String,
        attachments: Vec<AttachmentRef>,
        at: DateTime<Utc>,
        /// Set when an examiner recorded a response that came by post.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper: Option<PaperRecord>,
    },
    DecisionProposed {
        proposal: Proposal,
        at: DateTime<Utc>,
    },
    DecisionApproved {
        outcome: Outcome,
        proposed_by: String,
        by: String,
        at: DateTime<Utc>,
    },
    ApplicationRejected {
        reason_code: String,
        at: DateTime<Utc>,
    },
    ApplicationWithdrawn {
        at: DateTime<Utc>,
        /// Set when an examiner recorded a withdrawal received in writing.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper: Option<PaperRecord>,
    },
    /// Checkout, mismatch and refund facts (see [`crate::payment`]).
    Payment(PaymentEvent),
}

impl ExaminationEvent {
    /// Whether the case enters examination with this event (paid, or free),
    /// which is when the registers are asked.
    pub fn starts_examination(&self) -> bool {
        match self {
            ExaminationEvent::FeeAssessed { fee } => fee.is_free(),
            ExaminationEvent::PaymentSettled { .. } => true,
            _ => false,
        }
    }

    /// The status a case has after this event, when the event changes it.
    pub fn status_after(&self) -> Option<CaseStatus> {
        Some(match self {
            ExaminationEvent::FeeAssessed { fee } if fee.is_free() => CaseStatus::UnderExamination,
            ExaminationEvent::FeeAssessed { .. } => CaseStatus::AwaitingPayment,
            ExaminationEvent::PaymentSettled { .. } => CaseStatus::UnderExamination,
            ExaminationEvent::RegistryInquiryAnswered { answer, .. }
                if answer.outcome == InquiryOutcome::DomicileUnresolved =>
            {
                CaseStatus::ActionRequired
            }
            ExaminationEvent::InformationRequested { .. } => CaseStatus::ActionRequired,
            ExaminationEvent::ApplicantResponded { .. } => CaseStatus::UnderExamination,
            ExaminationEvent::DecisionApproved {
                outcome: Outcome::Approve,
                ..
            } => CaseStatus::Approved,
            ExaminationEvent::ApplicationRejected { .. } => CaseStatus::Rejected,
            ExaminationEvent::ApplicationWithdrawn { .. } => CaseStatus::Withdrawn,
            _ => return None,
        })
    }

    /// The event's type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            ExaminationEvent::FeeAssessed { .. } => "FeeAssessed",
            ExaminationEvent::PaymentSettled { .. } => "PaymentSettled",
            ExaminationEvent::PaymentDeclined { .. } => "PaymentDeclined",
            ExaminationEvent::RegistryInquiryAnswered { .. } => "RegistryInquiryAnswered",
            ExaminationEvent::ExaminerAssigned { .. } => "ExaminerAssigned",
            ExaminationEvent::InformationRequested { .. } => "InformationRequested",
            ExaminationEvent::ApplicantResponded { .. } => "ApplicantResponded",
            ExaminationEvent::DecisionProposed { .. } => "DecisionProposed",
            ExaminationEvent::DecisionApproved { .. } => "DecisionApproved",
            ExaminationEvent::ApplicationRejected { .. } => "ApplicationRejected",
            ExaminationEvent::ApplicationWithdrawn { .. } => "ApplicationWithdrawn",
            ExaminationEvent::Payment(p) => p.event_type(),
        }
    }
}

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
}

/// The queue flag of a case whose register inquiry has not been answered yet.
pub const INQUIRY_PENDING: &str = "REGISTRY_INQUIRY_PENDING";

/// The queue flags an inquiry answer raises.
pub fn inquiry_flags(answer: &InquiryAnswer) -> Vec<String> {
    match answer.outcome {
        InquiryOutcome::Confirmed => vec![],
        InquiryOutcome::Mismatch => answer
            .differences
            .iter()
            .map(|d| format!("REGISTRY_MISMATCH:{d}"))
            .collect(),
        InquiryOutcome::DomicileUnresolved => vec!["DOMICILE_UNRESOLVED".to_owned()],
    }
}

/// What the applicant is told when the family register cannot establish the domicile.
pub const DOMICILE_UNRESOLVED_MESSAGE: &str = "The family register could not establish your current registered domicile. Please attach an extract of your family register (koseki) and respond.";

/// The commands every case type takes, decided by [`Examination::decide`].
#[derive(Debug, Clone)]
pub enum ExaminationCommand {
    /// The gateway reports the fee paid.
    SettlePayment {
        payment_reference: String,
        amount: i64,
        at: DateTime<Utc>,
    },
    /// The gateway reports the payment declined.
    DeclinePayment { at: DateTime<Utc> },
    /// A checkout, mismatch or refund report from the payment workers.
    Payment(PaymentCommand),
    /// The registers answered the inquiry.
    RecordInquiry {
        answer: InquiryAnswer,
        at: DateTime<Utc>,
    },
    /// Claim or reassign the case.
    Assign {
        examiner: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Ask the applicant for information.
    RequestInformation {
        reason_code: String,
        message: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The applicant answers.
    Respond {
        message: String,
        attachments: Vec<AttachmentRef>,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Propose a decision.
    ProposeDecision {
        outcome: Outcome,
        reason_code: Option<String>,
        note: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// A senior examiner confirms the proposal.
    ApproveDecision { actor: Actor, at: DateTime<Utc> },
    /// The applicant withdraws.
    Withdraw { actor: Actor, at: DateTime<Utc> },
    /// The assigned examiner records what a paper applicant sent by post.
    Paper(PaperCommand),
}

impl ExaminationCommand {
    /// The person acting, when a person acts (gateways and registers do not).
    pub fn actor(&self) -> Option<&Actor> {
        use ExaminationCommand as C;
        match self {
            C::Assign { actor, .. }
            | C::RequestInformation { actor, .. }
            | C::Respond { actor, .. }
            | C::ProposeDecision { actor, .. }
            | C::ApproveDecision { actor, .. }
            | C::Withdraw { actor, .. } => Some(actor),
            C::Paper(paper) => Some(paper.actor()),
            C::SettlePayment { .. }
            | C::DeclinePayment { .. }
            | C::RecordInquiry { .. }
            | C::Payment(_) => None,
        }
    }
}

/// Hides a case from applicants other than its owner: for them it does not exist.
pub fn check_visible(owner: Option<&str>, actor: &Actor) -> Result<(), DomainError> {
    if actor.role == Role::Applicant && owner != Some(actor.id.as_str()) {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

/// Only the owning applicant may respond or withdraw.
pub fn require_owner(owner: Option<&str>, actor: &Actor) -> Result<(), DomainError> {
    if actor.role == Role::Applicant && owner == Some(actor.id.as_str()) {
        Ok(())
    } else {
        Err(DomainError::WrongRole)
    }
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
            C::Withdraw { actor, at } => {
                require_owner(owner, &actor)?;
                let withdrawn = self.withdraw(at)?;
                let refund = self.refund_on_withdrawal(at);
                Ok((std::iter::once(withdrawn).chain(refund).collect(), None))
            }
            C::Paper(paper) => one(self.decide_paper(paper, channel)?),
        }
    }

    /// The gateway reports the fee paid; a second report changes nothing.
    pub fn settle_payment(
        &self,
        payment_reference: String,
        amount: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<ExaminationEvent>, DomainError> {
        if self.paid {
            return Ok(None);
        }
        if self.status != CaseStatus::AwaitingPayment {
            return Err(DomainError::NotAwaitingPayment(self.status.as_str()));
        }
        if amount != self.fee.total() {
            return Err(DomainError::AmountMismatch);
        }
        Ok(Some(ExaminationEvent::PaymentSettled {
            payment_reference,
            amount,
            at,
            paper: None,
        }))
    }

    /// The gateway reports the payment declined; the case keeps waiting.
    pub fn decline_payment(&self, at: DateTime<Utc>) -> Result<ExaminationEvent, DomainError> {
        if self.status != CaseStatus::AwaitingPayment {
            return Err(DomainError::NotAwaitingPayment(self.status.as_str()));
        }
        Ok(ExaminationEvent::PaymentDeclined { at })
    }

    /// Records the registers' answer once; a repeat changes nothing.
    pub fn record_inquiry(
        &self,
        answer: InquiryAnswer,
        at: DateTime<Utc>,
    ) -> Option<ExaminationEvent> {
        if self.inquiry.is_some() || self.status.is_decided() {
            return None;
        }
        Some(ExaminationEvent::RegistryInquiryAnswered { answer, at })
    }

    /// Flags examiners see in the queue.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = match &self.inquiry {
            Some(answer) => inquiry_flags(answer),
            None if matches!(
                self.status,
                CaseStatus::UnderExamination | CaseStatus::ActionRequired
            ) =>
            {
                vec![INQUIRY_PENDING.to_owned()]
            }
            None => vec![],
        };
        if !self.payment.mismatches.is_empty() {
            flags.push(crate::payment::PAYMENT_MISMATCH.to_owned());
        }
        flags
    }

    /// The payment state as the API shows it.
    pub fn payment_status(&self) -> &'static str {
        match &self.payment.refund {
            Some(r) if r.issued_at.is_some() => "REFUNDED",
            Some(_) => "REFUND_REQUESTED",
            None if self.fee.is_free() => "NOT_REQUIRED",
            None if self.paid => "PAID",
            None if self.payment_declined => "DECLINED",
            None => "PENDING",
        }
    }

    /// Claim (examiner, self only) or reassign (senior examiner, anyone).
    pub fn assign(
        &self,
        examiner: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Option<ExaminationEvent>, DomainError> {
        if !actor.role.is_examiner() {
            return Err(DomainError::WrongRole);
        }
        self.require_open_examination()?;
        if actor.role == Role::Examiner {
            if examiner != actor.id {
                return Err(DomainError::AssignOthers);
            }
            if matches!(&self.assignee, Some(a) if a != examiner) {
                return Err(DomainError::AlreadyAssigned);
            }
        }
        if self.assignee.as_deref() == Some(examiner) {
            return Ok(None);
        }
        Ok(Some(ExaminationEvent::ExaminerAssigned {
            examiner: examiner.to_owned(),
            by: actor.id.clone(),
            at,
        }))
    }

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

    /// The applicant withdraws while the case is undecided.
    pub fn withdraw(&self, at: DateTime<Utc>) -> Result<ExaminationEvent, DomainError> {
        if self.status.is_decided() {
            return Err(DomainError::AlreadyDecided(self.status.as_str()));
        }
        Ok(ExaminationEvent::ApplicationWithdrawn { at, paper: None })
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
            ExaminationEvent::ApplicationRejected { reason_code, .. } => {
                self.rejection_reason = Some(reason_code.clone())
            }
            ExaminationEvent::ApplicationWithdrawn { .. } => {}
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
    fn examiners_claim_only_for_themselves_and_seniors_reassign() {
        let exam = under_examination();
        let ex = Actor::new("ex", Role::Examiner);
        assert_eq!(
            exam.assign("other", &ex, now()),
            Err(DomainError::AssignOthers)
        );
        let mut exam = exam;
        exam.apply(&exam.assign("ex", &ex, now()).unwrap().unwrap());
        assert_eq!(
            exam.assign("ex", &ex, now()),
            Ok(None),
            "claiming twice is a no-op"
        );
        let rival = Actor::new("rival", Role::Examiner);
        assert_eq!(
            exam.assign("rival", &rival, now()),
            Err(DomainError::AlreadyAssigned)
        );
        let senior = Actor::new("sr", Role::SeniorExaminer);
        assert!(exam.assign("rival", &senior, now()).unwrap().is_some());
        let applicant = Actor::new("a", Role::Applicant);
        assert_eq!(
            exam.assign("a", &applicant, now()),
            Err(DomainError::WrongRole)
        );
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
