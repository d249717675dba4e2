//! Paper cases: the applicant of a paper application has no online account,
//! so the assigned examiner records what arrives by post (a response to an
//! information request, a withdrawal, the fee paid with revenue stamps or by
//! bank transfer). None of this is open to an online case, whose applicant
//! acts for themselves.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseStatus, Examination, ExaminationEvent};
use crate::attachment::AttachmentRef;
use crate::registration::Channel;
use crate::{Actor, DomainError};

/// Who recorded a paper document, and when the office received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperRecord {
    /// The date the document reached the office (the postmark is not what counts).
    pub received_on: NaiveDate,
    /// The examiner who recorded it.
    pub recorded_by: String,
}

/// What the assigned examiner records for a paper case.
#[derive(Debug, Clone)]
pub enum PaperCommand {
    /// The applicant answered an information request by post.
    RecordResponse {
        message: String,
        /// The scanned documents.
        attachments: Vec<AttachmentRef>,
        received_on: NaiveDate,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The applicant withdrew in writing.
    RecordWithdrawal {
        received_on: NaiveDate,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The fee arrived on paper (revenue stamps or a bank transfer).
    RecordPayment {
        receipt_reference: String,
        amount: i64,
        received_on: NaiveDate,
        actor: Actor,
        at: DateTime<Utc>,
    },
}

impl PaperCommand {
    /// The examiner recording the document.
    pub fn actor(&self) -> &Actor {
        match self {
            PaperCommand::RecordResponse { actor, .. }
            | PaperCommand::RecordWithdrawal { actor, .. }
            | PaperCommand::RecordPayment { actor, .. } => actor,
        }
    }
}

impl Examination {
    /// Decides a paper record: only on a paper case, only by its assigned
    /// examiner (by any examiner while nobody is assigned: a fee or a
    /// withdrawal can arrive before examination starts, when no one can be
    /// assigned yet), and only for a document received by today.
    pub fn decide_paper(
        &self,
        command: PaperCommand,
        channel: Channel,
    ) -> Result<ExaminationEvent, DomainError> {
        if channel != Channel::Paper {
            return Err(DomainError::NotPaperCase);
        }
        let actor = command.actor().clone();
        if !actor.role.is_examiner() {
            return Err(DomainError::WrongRole);
        }
        if matches!(&self.assignee, Some(a) if *a != actor.id) {
            return Err(DomainError::NotAssignee);
        }
        let record = |received_on: NaiveDate, at: DateTime<Utc>| {
            if received_on > crate::calendar::japan_date(at) {
                return Err(DomainError::ReceivedInFuture);
            }
            Ok(Some(PaperRecord {
                received_on,
                recorded_by: actor.id.clone(),
            }))
        };
        match command {
            PaperCommand::RecordResponse {
                message,
                attachments,
                received_on,
                at,
                ..
            } => {
                let paper = record(received_on, at)?;
                match self.respond(message, attachments, at)? {
                    ExaminationEvent::ApplicantResponded {
                        message,
                        attachments,
                        at,
                        ..
                    } => Ok(ExaminationEvent::ApplicantResponded {
                        message,
                        attachments,
                        at,
                        paper,
                    }),
                    other => Ok(other),
                }
            }
            // No gateway refund is requested: a fee paid on paper goes back on paper.
            PaperCommand::RecordWithdrawal {
                received_on, at, ..
            } => {
                let paper = record(received_on, at)?;
                self.withdraw(at)?;
                Ok(ExaminationEvent::ApplicationWithdrawn { at, paper })
            }
            PaperCommand::RecordPayment {
                receipt_reference,
                amount,
                received_on,
                at,
                ..
            } => {
                let paper = record(received_on, at)?;
                if self.paid || self.status != CaseStatus::AwaitingPayment {
                    return Err(DomainError::NotAwaitingPayment(self.status.as_str()));
                }
                if amount != self.fee.total() {
                    return Err(DomainError::AmountMismatch);
                }
                Ok(ExaminationEvent::PaymentSettled {
                    payment_reference: receipt_reference,
                    amount,
                    at,
                    paper,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::money::Fee;
    use crate::Role;

    fn assigned(status: CaseStatus) -> Examination {
        Examination {
            status,
            assignee: Some("ex".into()),
            fee: Fee {
                licence_tax: 9000,
                handling_fee: 3320,
            },
            ..Examination::default()
        }
    }

    fn pay(amount: i64, actor: &str) -> PaperCommand {
        PaperCommand::RecordPayment {
            receipt_reference: "R-1".into(),
            amount,
            received_on: Utc::now().date_naive(),
            actor: Actor::new(actor, Role::Examiner),
            at: Utc::now(),
        }
    }

    #[test]
    fn online_cases_take_no_paper_records() {
        let exam = assigned(CaseStatus::AwaitingPayment);
        assert_eq!(
            exam.decide_paper(pay(12320, "ex"), Channel::Online),
            Err(DomainError::NotPaperCase)
        );
    }

    #[test]
    fn only_the_assignee_records_and_only_the_fee_assessed() {
        let exam = assigned(CaseStatus::AwaitingPayment);
        assert_eq!(
            exam.decide_paper(pay(12320, "other"), Channel::Paper),
            Err(DomainError::NotAssignee)
        );
        assert_eq!(
            exam.decide_paper(pay(12000, "ex"), Channel::Paper),
            Err(DomainError::AmountMismatch)
        );
        let event = exam.decide_paper(pay(12320, "ex"), Channel::Paper).unwrap();
        assert!(event.starts_examination());
    }

    #[test]
    fn events_stored_before_paper_records_still_load_and_online_ones_carry_nothing() {
        let old: ExaminationEvent =
            serde_json::from_str(r#"{"ApplicationWithdrawn": {"at": "2026-11-01T00:00:00Z"}}"#)
                .unwrap();
        assert!(matches!(
            old,
            ExaminationEvent::ApplicationWithdrawn { paper: None, .. }
        ));
        let online = ExaminationEvent::ApplicationWithdrawn {
            at: Utc::now(),
            paper: None,
        };
        assert!(!serde_json::to_string(&online).unwrap().contains("paper"));
    }

    #[test]
    fn a_withdrawal_cannot_be_received_tomorrow() {
        let exam = assigned(CaseStatus::UnderExamination);
        let command = PaperCommand::RecordWithdrawal {
            // Tomorrow in Japan, whatever the hour in UTC.
            received_on: crate::calendar::japan_today() + Duration::days(1),
            actor: Actor::new("ex", Role::Examiner),
            at: Utc::now(),
        };
        assert_eq!(
            exam.decide_paper(command, Channel::Paper),
            Err(DomainError::ReceivedInFuture)
        );
    }
}
