//! The change request aggregate, its commands and events.

use chrono::{DateTime, Duration, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::details::ChangeDetails;
use crate::catalogue::InForce;
use crate::examination::flat::stored_flat;
use crate::examination::{CaseStatus, Examination, ExaminationCommand, ExaminationEvent};
use crate::DomainError;

/// What the aggregate needs from outside.
pub struct ChangeServices {
    /// Fees and service standards.
    pub catalogue: InForce,
}

/// Everything a change request can be asked to do.
#[derive(Debug, Clone)]
pub enum ChangeRequestCommand {
    /// Open the request (idempotent: the API and the process manager both may).
    Submit {
        registration_id: Uuid,
        qualification_code: String,
        /// The holder of the registration.
        holder: Option<String>,
        details: Box<ChangeDetails>,
        at: DateTime<Utc>,
    },
    /// Payment, register answer and examination, shared with registrations.
    Examination(ExaminationCommand),
    /// The process manager reports the change made on the registration.
    RecordApplied { at: DateTime<Utc> },
    /// The process manager reports that the registration was deleted meanwhile.
    RecordFailed {
        reason_code: String,
        at: DateTime<Utc>,
    },
}

/// Everything that can happen to a change request.
// The derived code is the inherent `serialize` and `deserialize` (`remote`),
// for the case's own events; the trait impls add the examination's, flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum ChangeRequestEvent {
    ChangeRequested {
        registration_id: Uuid,
        qualification_code: String,
        holder: Option<String>,
        details: Box<ChangeDetails>,
        submitted_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    ChangeApplied {
        at: DateTime<Utc>,
    },
    ChangeFailed {
        reason_code: String,
        at: DateTime<Utc>,
    },
    /// The examination events shared with registrations, stored flat.
    #[serde(skip)]
    Examination(ExaminationEvent),
}

stored_flat!(ChangeRequestEvent);

impl ChangeRequestEvent {
    /// The status a request has after this event, when the event changes it.
    pub fn status_after(&self) -> Option<CaseStatus> {
        match self {
            ChangeRequestEvent::ChangeRequested { .. } => Some(CaseStatus::Submitted),
            ChangeRequestEvent::ChangeApplied { .. } => None,
            ChangeRequestEvent::ChangeFailed { .. } => Some(CaseStatus::Rejected),
            ChangeRequestEvent::Examination(e) => e.status_after(),
        }
    }
}

impl DomainEvent for ChangeRequestEvent {
    fn event_type(&self) -> String {
        match self {
            ChangeRequestEvent::ChangeRequested { .. } => "ChangeRequested",
            ChangeRequestEvent::ChangeApplied { .. } => "ChangeApplied",
            ChangeRequestEvent::ChangeFailed { .. } => "ChangeFailed",
            ChangeRequestEvent::Examination(e) => e.event_type(),
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// State of one change request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub registration_id: Option<Uuid>,
    pub qualification_code: String,
    pub holder: Option<String>,
    pub details: Option<Box<ChangeDetails>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub examination: Examination,
    /// APPLIED once the registration changed; the failure code otherwise.
    pub outcome: Option<String>,
}

impl ChangeRequest {
    /// Whether the request has been filed.
    pub fn exists(&self) -> bool {
        self.details.is_some()
    }

    /// Who may follow and act on the request as applicant.
    pub fn owner(&self) -> Option<&str> {
        self.details.as_ref().map(|d| d.filed_by.as_str())
    }

    fn decide(
        &self,
        command: ChangeRequestCommand,
        services: &ChangeServices,
    ) -> Result<Vec<ChangeRequestEvent>, DomainError> {
        use ChangeRequestCommand as C;
        let exam = &self.examination;
        if let C::Submit {
            registration_id,
            qualification_code,
            holder,
            details,
            at,
        } = command
        {
            if self.exists() {
                return Ok(vec![]);
            }
            let terms = services
                .catalogue
                .terms(&qualification_code, details.kind)
                .ok_or(DomainError::ProcedureNotOffered)?;
            let fee = terms.assess(details.channel, at)?;
            let due_at = at + Duration::days(i64::from(terms.service_standard_days));
            return Ok(vec![
                ChangeRequestEvent::ChangeRequested {
                    registration_id,
                    qualification_code,
                    holder,
                    details,
                    submitted_at: at,
                    due_at,
                },
                ChangeRequestEvent::Examination(ExaminationEvent::FeeAssessed { fee }),
            ]);
        }
        if !self.exists() {
            return Err(DomainError::NotFound);
        }
        let owner = self.owner();
        Ok(match command {
            C::Submit { .. } => vec![],
            C::Examination(command) => {
                // An approval takes effect through the process manager.
                let channel = self.details.as_ref().map(|d| d.channel);
                let channel = channel.unwrap_or(crate::registration::Channel::Online);
                let (events, _) = exam.decide(command, owner, channel)?;
                events
                    .into_iter()
                    .map(ChangeRequestEvent::Examination)
                    .collect()
            }
            C::RecordApplied { at } => match self.outcome {
                Some(_) => vec![],
                None => vec![ChangeRequestEvent::ChangeApplied { at }],
            },
            C::RecordFailed { reason_code, at } => match self.outcome {
                Some(_) => vec![],
                None => vec![ChangeRequestEvent::ChangeFailed { reason_code, at }],
            },
        })
    }
}

impl Aggregate for ChangeRequest {
    const TYPE: &'static str = crate::case::CaseKind::ChangeRequest.aggregate_type();
    type Command = ChangeRequestCommand;
    type Event = ChangeRequestEvent;
    type Error = DomainError;
    type Services = ChangeServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command, services)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        if let Some(status) = event.status_after() {
            self.examination.status = status;
        }
        match event {
            ChangeRequestEvent::ChangeRequested {
                registration_id,
                qualification_code,
                holder,
                details,
                submitted_at,
                due_at,
            } => {
                self.examination.registers_not_asked = !details.kind.asks_registers();
                self.registration_id = Some(registration_id);
                self.qualification_code = qualification_code;
                self.holder = holder;
                self.details = Some(details);
                self.submitted_at = Some(submitted_at);
                self.due_at = Some(due_at);
            }
            ChangeRequestEvent::ChangeApplied { .. } => self.outcome = Some("APPLIED".into()),
            ChangeRequestEvent::ChangeFailed { reason_code, .. } => {
                self.examination.rejection_reason = Some(reason_code.clone());
                self.outcome = Some(reason_code);
            }
            ChangeRequestEvent::Examination(e) => self.examination.apply(&e),
        }
    }
}
