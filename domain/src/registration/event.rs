//! Events of a registration: facts in the past tense.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{Applicant, Channel};
use crate::examination::{CaseStatus, ExaminationEvent};
use crate::money::Fee;

/// Everything that can happen to a registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RegistrationEvent {
    ApplicationSubmitted {
        qualification_code: String,
        applicant: Box<Applicant>,
        /// Opaque vault reference; the number itself never enters an event.
        my_number_ref: Uuid,
        channel: Channel,
        owner: Option<String>,
        entered_by: String,
        submitted_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    FeeAssessed {
        fee: Fee,
    },
    PaymentSettled {
        payment_reference: String,
        amount: i64,
        at: DateTime<Utc>,
    },
    PaymentDeclined {
        at: DateTime<Utc>,
    },
    Registered {
        qualification_code: String,
        registration_number: String,
        registered_on: NaiveDate,
        /// The holder's name as entered on the register.
        family_name: String,
        given_name: String,
    },
    /// The examination events shared with change requests, stored flat.
    #[serde(untagged)]
    Examination(ExaminationEvent),
}

impl RegistrationEvent {
    /// The status a registration has after this event, when the event changes it.
    pub fn status_after(&self) -> Option<CaseStatus> {
        match self {
            RegistrationEvent::ApplicationSubmitted { .. } => Some(CaseStatus::Submitted),
            RegistrationEvent::FeeAssessed { fee } if fee.is_free() => {
                Some(CaseStatus::UnderExamination)
            }
            RegistrationEvent::FeeAssessed { .. } => Some(CaseStatus::AwaitingPayment),
            RegistrationEvent::PaymentSettled { .. } => Some(CaseStatus::UnderExamination),
            RegistrationEvent::PaymentDeclined { .. } => None,
            RegistrationEvent::Registered { .. } => Some(CaseStatus::Registered),
            RegistrationEvent::Examination(e) => e.status_after(),
        }
    }
}

impl DomainEvent for RegistrationEvent {
    fn event_type(&self) -> String {
        match self {
            RegistrationEvent::ApplicationSubmitted { .. } => "ApplicationSubmitted",
            RegistrationEvent::FeeAssessed { .. } => "FeeAssessed",
            RegistrationEvent::PaymentSettled { .. } => "PaymentSettled",
            RegistrationEvent::PaymentDeclined { .. } => "PaymentDeclined",
            RegistrationEvent::Registered { .. } => "Registered",
            RegistrationEvent::Examination(e) => e.event_type(),
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
