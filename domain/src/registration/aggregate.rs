//! The registration aggregate: validates commands against its state.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{Applicant, Channel, RegistrationCommand};
use super::event::RegistrationEvent;
use crate::catalogue::{Catalogue, Procedure};
use crate::examination::{CaseStatus, Examination, ExaminationEvent, Outcome};
use crate::money::Fee;
use crate::{DomainError, Role};

/// Allocates registration numbers, unique per qualification.
#[async_trait]
pub trait RegistrationNumbers: Send + Sync {
    /// The next free number for a qualification.
    async fn next(&self, qualification_code: &str) -> Result<String, DomainError>;
}

/// What the aggregate needs from outside.
pub struct RegistrationServices {
    /// Fees and service standards.
    pub catalogue: Arc<Catalogue>,
    /// The registration number allocator.
    pub numbers: Arc<dyn RegistrationNumbers>,
}

/// State of one registration, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualificationRegistration {
    pub id: Option<Uuid>,
    pub qualification_code: String,
    pub applicant: Option<Applicant>,
    pub my_number_ref: Option<Uuid>,
    pub channel: Option<Channel>,
    pub owner: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub fee: Fee,
    pub paid: bool,
    pub payment_declined: bool,
    pub examination: Examination,
    pub registration_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
}

impl QualificationRegistration {
    /// Where the case stands.
    pub fn status(&self) -> CaseStatus {
        self.examination.status
    }

    /// Whether the aggregate has been submitted.
    pub fn exists(&self) -> bool {
        self.applicant.is_some()
    }

    async fn decide(
        &self,
        command: RegistrationCommand,
        services: &RegistrationServices,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        use RegistrationCommand as C;
        if !self.exists() && !matches!(command, C::Submit { .. }) {
            return Err(DomainError::NotFound);
        }
        // Another applicant's case is not even acknowledged to exist.
        if let Some(actor) = command.actor() {
            let foreign = self.exists() && self.owner.as_deref() != Some(actor.id.as_str());
            if actor.role == Role::Applicant && foreign {
                return Err(DomainError::NotFound);
            }
        }
        let exam = &self.examination;
        let one = |e: ExaminationEvent| vec![RegistrationEvent::Examination(e)];
        Ok(match command {
            C::Submit {
                qualification_code,
                applicant,
                my_number_ref,
                channel,
                owner,
                actor,
                at,
            } => {
                if self.exists() {
                    return Err(DomainError::AlreadyExists);
                }
                let paper_by_examiner = channel == Channel::Paper && actor.role.is_examiner();
                let online_by_applicant =
                    channel == Channel::Online && actor.role == Role::Applicant;
                if !paper_by_examiner && !online_by_applicant {
                    return Err(DomainError::WrongRole);
                }
                services
                    .catalogue
                    .qualification(&qualification_code)
                    .ok_or(DomainError::UnknownQualification)?;
                let terms = services
                    .catalogue
                    .terms(&qualification_code, Procedure::NewRegistration)
                    .ok_or(DomainError::ProcedureNotOffered)?;
                vec![
                    RegistrationEvent::ApplicationSubmitted {
                        qualification_code,
                        applicant,
                        my_number_ref,
                        channel,
                        owner,
                        entered_by: actor.id,
                        submitted_at: at,
                        due_at: at + Duration::days(i64::from(terms.service_standard_days)),
                    },
                    RegistrationEvent::FeeAssessed { fee: terms.fee },
                ]
            }
            C::SettlePayment {
                payment_reference,
                amount,
                at,
            } => {
                if self.paid {
                    // A second callback for the same fee changes nothing.
                    return Ok(vec![]);
                }
                if self.status() != CaseStatus::AwaitingPayment {
                    return Err(DomainError::NotAwaitingPayment(self.status().as_str()));
                }
                vec![RegistrationEvent::PaymentSettled {
                    payment_reference,
                    amount,
                    at,
                }]
            }
            C::DeclinePayment { at } => {
                if self.status() != CaseStatus::AwaitingPayment {
                    return Err(DomainError::NotAwaitingPayment(self.status().as_str()));
                }
                vec![RegistrationEvent::PaymentDeclined { at }]
            }
            C::Assign {
                examiner,
                actor,
                at,
            } => exam
                .assign(&examiner, &actor, at)?
                .map(one)
                .unwrap_or_default(),
            C::RequestInformation {
                reason_code,
                message,
                actor,
                at,
            } => one(exam.request_information(reason_code, message, &actor, at)?),
            C::Respond {
                message,
                attachment_ids,
                actor,
                at,
            } => {
                self.require_owner(&actor)?;
                one(exam.respond(message, attachment_ids, at)?)
            }
            C::ProposeDecision {
                outcome,
                reason_code,
                note,
                actor,
                at,
            } => one(exam.propose(outcome, reason_code, note, &actor, at)?),
            C::ApproveDecision { actor, at } => self.approve(actor, at, services).await?,
            C::Withdraw { actor, at } => {
                self.require_owner(&actor)?;
                one(exam.withdraw(at)?)
            }
        })
    }

    fn require_owner(&self, actor: &crate::Actor) -> Result<(), DomainError> {
        if actor.role == Role::Applicant && self.owner.as_deref() == Some(actor.id.as_str()) {
            Ok(())
        } else {
            Err(DomainError::WrongRole)
        }
    }

    async fn approve(
        &self,
        actor: crate::Actor,
        at: DateTime<Utc>,
        services: &RegistrationServices,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        let (outcome, events) = self.examination.approve(&actor, at)?;
        let mut events: Vec<_> = events
            .into_iter()
            .map(RegistrationEvent::Examination)
            .collect();
        if outcome == Outcome::Approve {
            let registration_number = services.numbers.next(&self.qualification_code).await?;
            let applicant = self.applicant.as_ref().ok_or(DomainError::NotFound)?;
            events.push(RegistrationEvent::Registered {
                qualification_code: self.qualification_code.clone(),
                registration_number,
                registered_on: at.date_naive(),
                family_name: applicant.family_name.clone(),
                given_name: applicant.given_name.clone(),
            });
        }
        Ok(events)
    }
}

impl Aggregate for QualificationRegistration {
    const TYPE: &'static str = "QualificationRegistration";
    type Command = RegistrationCommand;
    type Event = RegistrationEvent;
    type Error = DomainError;
    type Services = RegistrationServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = self.decide(command, services).await?;
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        if let Some(status) = event.status_after() {
            self.examination.status = status;
        }
        match event {
            RegistrationEvent::ApplicationSubmitted {
                qualification_code,
                applicant,
                my_number_ref,
                channel,
                owner,
                submitted_at,
                due_at,
                ..
            } => {
                self.qualification_code = qualification_code;
                self.applicant = Some(*applicant);
                self.my_number_ref = Some(my_number_ref);
                self.channel = Some(channel);
                self.owner = owner;
                self.submitted_at = Some(submitted_at);
                self.due_at = Some(due_at);
            }
            RegistrationEvent::FeeAssessed { fee } => self.fee = fee,
            RegistrationEvent::PaymentSettled { .. } => {
                self.paid = true;
                self.payment_declined = false;
            }
            RegistrationEvent::PaymentDeclined { .. } => self.payment_declined = true,
            RegistrationEvent::Registered {
                registration_number,
                registered_on,
                ..
            } => {
                self.registration_number = Some(registration_number);
                self.registered_on = Some(registered_on);
            }
            RegistrationEvent::Examination(e) => self.examination.apply(&e),
        }
    }
}
