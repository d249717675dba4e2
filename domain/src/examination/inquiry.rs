//! The registers' answer to the inquiry made when examination starts, and the
//! queue flags it raises.

use chrono::{DateTime, Utc};

use super::{CaseStatus, Examination, ExaminationEvent};
use crate::registry::{InquiryAnswer, InquiryOutcome};

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

impl Examination {
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
            None if !self.registers_not_asked
                && matches!(
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
        flags.extend(self.open_flags.iter().cloned());
        flags
    }
}
