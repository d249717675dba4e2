//! Online payment of a case's fee: the checkout the applicant pays at, a
//! settlement that does not match the fee (flagged, never recorded as paid),
//! and the refund of a fee paid for a case that was withdrawn before a
//! decision. The gateway itself (Stripe or the sandbox) lives in `workers`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::examination::{CaseStatus, Examination, ExaminationEvent};

/// The checkout page the applicant pays at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    /// The gateway's session id.
    pub session_id: String,
    /// Where the applicant pays.
    pub url: String,
    /// When the gateway expires the session, if it does.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A refund of the fee paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Whole yen.
    pub amount: i64,
    /// The settlement refunded (for Stripe, the payment intent).
    pub payment_reference: String,
    pub requested_at: DateTime<Utc>,
    /// The gateway's refund id, once issued.
    pub refund_id: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
}

/// Payment state beyond the fee and the paid flag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentState {
    /// The open checkout, while the fee is unpaid.
    pub checkout: Option<Checkout>,
    /// Checkout sessions that expired unpaid (each new one gets a new key).
    pub expired_checkouts: u32,
    /// The settlement's reference, once paid.
    pub reference: Option<String>,
    /// Settlements that did not match the fee, by session id.
    pub mismatches: Vec<String>,
    pub refund: Option<Refund>,
}

/// Payment facts beyond assessment and settlement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PaymentEvent {
    CheckoutOpened {
        checkout: Checkout,
        at: DateTime<Utc>,
    },
    CheckoutExpired {
        session_id: String,
        at: DateTime<Utc>,
    },
    PaymentMismatchFlagged {
        session_id: String,
        amount: i64,
        currency: String,
        at: DateTime<Utc>,
    },
    RefundRequested {
        amount: i64,
        payment_reference: String,
        at: DateTime<Utc>,
    },
    RefundIssued {
        refund_id: String,
        amount: i64,
        at: DateTime<Utc>,
    },
}

impl PaymentEvent {
    /// The event's type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            PaymentEvent::CheckoutOpened { .. } => "CheckoutOpened",
            PaymentEvent::CheckoutExpired { .. } => "CheckoutExpired",
            PaymentEvent::PaymentMismatchFlagged { .. } => "PaymentMismatchFlagged",
            PaymentEvent::RefundRequested { .. } => "RefundRequested",
            PaymentEvent::RefundIssued { .. } => "RefundIssued",
        }
    }
}

/// What the payment workers report; each is a no-op when repeated.
#[derive(Debug, Clone)]
pub enum PaymentCommand {
    /// The gateway opened a checkout session for the unpaid fee.
    OpenCheckout {
        checkout: Checkout,
        at: DateTime<Utc>,
    },
    /// The gateway expired the session unpaid.
    ExpireCheckout {
        session_id: String,
        at: DateTime<Utc>,
    },
    /// The gateway reports a payment whose amount or currency is not the fee.
    FlagMismatch {
        session_id: String,
        amount: i64,
        currency: String,
        at: DateTime<Utc>,
    },
    /// The gateway issued the requested refund.
    RecordRefund {
        refund_id: String,
        at: DateTime<Utc>,
    },
}

/// The queue flag of a case whose payment did not match its fee.
pub const PAYMENT_MISMATCH: &str = "PAYMENT_MISMATCH";

impl Examination {
    /// Decides a payment command; `None` when it changes nothing.
    pub fn decide_payment(&self, command: PaymentCommand) -> Option<ExaminationEvent> {
        let p = &self.payment;
        let event = match command {
            PaymentCommand::OpenCheckout { checkout, at } => {
                let open = self.status == CaseStatus::AwaitingPayment && !self.paid;
                let same = p.checkout.as_ref().map(|c| &c.session_id) == Some(&checkout.session_id);
                (open && !same).then_some(PaymentEvent::CheckoutOpened { checkout, at })?
            }
            PaymentCommand::ExpireCheckout { session_id, at } => {
                let current =
                    p.checkout.as_ref().map(|c| &c.session_id) == Some(&session_id) && !self.paid;
                current.then_some(PaymentEvent::CheckoutExpired { session_id, at })?
            }
            PaymentCommand::FlagMismatch {
                session_id,
                amount,
                currency,
                at,
            } => (!p.mismatches.contains(&session_id)).then_some(
                PaymentEvent::PaymentMismatchFlagged {
                    session_id,
                    amount,
                    currency,
                    at,
                },
            )?,
            PaymentCommand::RecordRefund { refund_id, at } => {
                let refund = p.refund.as_ref().filter(|r| r.refund_id.is_none())?;
                PaymentEvent::RefundIssued {
                    refund_id,
                    amount: refund.amount,
                    at,
                }
            }
        };
        Some(ExaminationEvent::Payment(event))
    }

    /// The refund a withdrawal before a decision causes: the whole fee, when paid.
    pub fn refund_on_withdrawal(&self, at: DateTime<Utc>) -> Option<ExaminationEvent> {
        if !self.paid || self.fee.is_free() || self.payment.refund.is_some() {
            return None;
        }
        Some(ExaminationEvent::Payment(PaymentEvent::RefundRequested {
            amount: self.fee.total(),
            payment_reference: self.payment.reference.clone().unwrap_or_default(),
            at,
        }))
    }

    /// Applies a payment event.
    pub fn apply_payment(&mut self, event: &PaymentEvent) {
        let p = &mut self.payment;
        match event {
            PaymentEvent::CheckoutOpened { checkout, .. } => p.checkout = Some(checkout.clone()),
            PaymentEvent::CheckoutExpired { .. } => {
                p.checkout = None;
                p.expired_checkouts += 1;
            }
            PaymentEvent::PaymentMismatchFlagged { session_id, .. } => {
                p.mismatches.push(session_id.clone())
            }
            PaymentEvent::RefundRequested {
                amount,
                payment_reference,
                at,
            } => {
                p.refund = Some(Refund {
                    amount: *amount,
                    payment_reference: payment_reference.clone(),
                    requested_at: *at,
                    refund_id: None,
                    issued_at: None,
                })
            }
            PaymentEvent::RefundIssued { refund_id, at, .. } => {
                if let Some(r) = p.refund.as_mut() {
                    r.refund_id = Some(refund_id.clone());
                    r.issued_at = Some(*at);
                }
            }
        }
    }

    /// The idempotency key of the current checkout: one per case, fee
    /// assessment and expired predecessor, so a retried job never opens a
    /// second session and an expired one is replaced by a new one.
    pub fn checkout_key(&self, case_id: &str) -> String {
        format!(
            "checkout-{case_id}-fee{}-{}",
            self.fee.total(),
            self.payment.expired_checkouts
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examination::ExaminationCommand;
    use crate::money::Fee;
    use crate::DomainError;

    fn awaiting() -> Examination {
        let mut e = Examination::default();
        e.apply(&ExaminationEvent::FeeAssessed {
            fee: Fee {
                licence_tax: 9000,
                handling_fee: 3320,
            },
        });
        e
    }

    fn settle(e: &Examination, amount: i64) -> Result<Vec<ExaminationEvent>, DomainError> {
        let command = ExaminationCommand::SettlePayment {
            payment_reference: "pi_1".into(),
            amount,
            at: Utc::now(),
        };
        e.decide(command, None, crate::registration::Channel::Online)
            .map(|(events, _)| events)
    }

    #[test]
    fn a_settlement_of_another_amount_is_refused() {
        let e = awaiting();
        assert_eq!(settle(&e, 12319), Err(DomainError::AmountMismatch));
        assert_eq!(settle(&e, 12320).unwrap().len(), 1);
    }

    #[test]
    fn a_paid_withdrawal_requests_the_refund_once() {
        let mut e = awaiting();
        for event in settle(&e, 12320).unwrap() {
            e.apply(&event);
        }
        let refund = e.refund_on_withdrawal(Utc::now()).unwrap();
        e.apply(&refund);
        assert!(e.refund_on_withdrawal(Utc::now()).is_none());
        let issued = e.decide_payment(PaymentCommand::RecordRefund {
            refund_id: "re_1".into(),
            at: Utc::now(),
        });
        e.apply(issued.as_ref().unwrap());
        assert!(e
            .decide_payment(PaymentCommand::RecordRefund {
                refund_id: "re_2".into(),
                at: Utc::now(),
            })
            .is_none());
        assert_eq!(e.payment.refund.unwrap().refund_id.as_deref(), Some("re_1"));
    }

    #[test]
    fn checkouts_are_opened_once_and_replaced_after_expiry() {
        let mut e = awaiting();
        let checkout = Checkout {
            session_id: "cs_1".into(),
            url: "https://pay".into(),
            expires_at: None,
        };
        let open = |c: &Checkout| PaymentCommand::OpenCheckout {
            checkout: c.clone(),
            at: Utc::now(),
        };
        let opened = e.decide_payment(open(&checkout)).unwrap();
        e.apply(&opened);
        assert!(e.decide_payment(open(&checkout)).is_none());
        assert_eq!(e.checkout_key("c"), "checkout-c-fee12320-0");
        let expired = e.decide_payment(PaymentCommand::ExpireCheckout {
            session_id: "cs_1".into(),
            at: Utc::now(),
        });
        e.apply(&expired.unwrap());
        assert_eq!(e.checkout_key("c"), "checkout-c-fee12320-1");
        assert!(e.payment.checkout.is_none());
    }
}
