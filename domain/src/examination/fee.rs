//! The fee: the gateway's reports of a payment settled or declined, and the
//! payment state the API shows. Checkouts, mismatches and refunds are in
//! [`crate::payment`].

use chrono::{DateTime, Utc};

use super::{CaseStatus, Examination, ExaminationEvent};
use crate::DomainError;

impl Examination {
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
}
