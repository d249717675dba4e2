//! The sanction aggregate, its commands and events.

use chrono::{DateTime, Duration, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::details::SanctionDetails;
use crate::examination::flat::stored_flat;
use crate::examination::{CaseStatus, Examination, ExaminationCommand, ExaminationEvent};
use crate::money::Fee;
use crate::registration::Channel;
use crate::{Actor, DomainError};

/// Days within which the office aims to decide a sanction case (no
/// catalogue row sets it: the office, not an applicant, opens these).
pub const SANCTION_SERVICE_STANDARD_DAYS: i64 = 60;

/// The flag of a review opened because a prerequisite registration ended.
pub const PREREQUISITE_ENDED: &str = "PREREQUISITE_ENDED";

/// Everything a sanction case can be asked to do.
#[derive(Debug, Clone)]
pub enum SanctionCommand {
    /// An examiner opens the case on a registration on the register.
    Open {
        registration_id: Uuid,
        qualification_code: String,
        /// The registration's holder, who is told and may answer requests.
        holder: Option<String>,
        details: Box<SanctionDetails>,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The office's own review of a registration whose prerequisite
    /// registration ended (revoked, deleted, expired): a revocation case
    /// opened with the flag [`PREREQUISITE_ENDED`], which the examiner clears
    /// with a reason before anything is decided, or rejects: never an
    /// automatic end of the registration.
    OpenReview {
        registration_id: Uuid,
        qualification_code: String,
        holder: Option<String>,
        details: Box<SanctionDetails>,
        /// The prerequisite registration that ended.
        ended_registration: Uuid,
        at: DateTime<Utc>,
    },
    /// Assignment, information requests and the four-eyes decision.
    Examination(ExaminationCommand),
    /// The sanction process reports the sanction in force on the registration.
    RecordApplied { at: DateTime<Utc> },
    /// The sanction process reports that the registration had left the register.
    RecordFailed {
        reason_code: String,
        at: DateTime<Utc>,
    },
}

/// Everything that can happen to a sanction case.
// The derived code is the inherent `serialize` and `deserialize` (`remote`),
// for the case's own events; the trait impls add the examination's, flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum SanctionEvent {
    SanctionOpened {
        registration_id: Uuid,
        qualification_code: String,
        holder: Option<String>,
        details: Box<SanctionDetails>,
        submitted_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    SanctionApplied {
        at: DateTime<Utc>,
    },
    SanctionFailed {
        reason_code: String,
        at: DateTime<Utc>,
    },
    /// The examination events shared with the other cases, stored flat.
    #[serde(skip)]
    Examination(ExaminationEvent),
}

stored_flat!(SanctionEvent);

impl SanctionEvent {
    /// The status a sanction case has after this event, when the event changes it.
    pub fn status_after(&self) -> Option<CaseStatus> {
        match self {
            SanctionEvent::SanctionOpened { .. } => Some(CaseStatus::Submitted),
            SanctionEvent::SanctionApplied { .. } => None,
            SanctionEvent::SanctionFailed { .. } => Some(CaseStatus::Rejected),
            SanctionEvent::Examination(e) => e.status_after(),
        }
    }
}

impl DomainEvent for SanctionEvent {
    fn event_type(&self) -> String {
        match self {
            SanctionEvent::SanctionOpened { .. } => "SanctionOpened",
            SanctionEvent::SanctionApplied { .. } => "SanctionApplied",
            SanctionEvent::SanctionFailed { .. } => "SanctionFailed",
            SanctionEvent::Examination(e) => e.event_type(),
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// State of one sanction case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sanction {
    pub registration_id: Option<Uuid>,
    pub qualification_code: String,
    pub holder: Option<String>,
    pub details: Option<Box<SanctionDetails>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub examination: Examination,
    /// APPLIED once in force on the registration; the failure code otherwise.
    pub outcome: Option<String>,
}

impl Sanction {
    /// Whether the case has been opened.
    pub fn exists(&self) -> bool {
        self.details.is_some()
    }

    /// How the holder takes part: online when the registration is linked to
    /// an account, else by post (the examiner records what came back).
    pub fn channel(&self) -> Channel {
        match self.holder {
            Some(_) => Channel::Online,
            None => Channel::Paper,
        }
    }

    /// The events that open a case, once: the sanction as ordered, and no
    /// fee (the examination starts at once).
    fn opened(
        &self,
        registration_id: Uuid,
        qualification_code: String,
        holder: Option<String>,
        details: Box<SanctionDetails>,
        at: DateTime<Utc>,
    ) -> Result<Vec<SanctionEvent>, DomainError> {
        if self.exists() {
            return Err(DomainError::AlreadyExists);
        }
        details.check()?;
        Ok(vec![
            SanctionEvent::SanctionOpened {
                registration_id,
                qualification_code,
                holder,
                details,
                submitted_at: at,
                due_at: at + Duration::days(SANCTION_SERVICE_STANDARD_DAYS),
            },
            SanctionEvent::Examination(ExaminationEvent::FeeAssessed {
                fee: Fee::default(),
            }),
        ])
    }

    fn decide(&self, command: SanctionCommand) -> Result<Vec<SanctionEvent>, DomainError> {
        use SanctionCommand as C;
        if let C::Open {
            registration_id,
            qualification_code,
            holder,
            details,
            actor,
            at,
        } = command
        {
            if !actor.role.is_examiner() {
                return Err(DomainError::WrongRole);
            }
            return self.opened(registration_id, qualification_code, holder, details, at);
        }
        if let C::OpenReview {
            registration_id,
            qualification_code,
            holder,
            details,
            ended_registration,
            at,
        } = command
        {
            let mut events =
                self.opened(registration_id, qualification_code, holder, details, at)?;
            events.push(SanctionEvent::Examination(ExaminationEvent::FlagRaised {
                flag: PREREQUISITE_ENDED.to_owned(),
                related_cases: vec![ended_registration],
                at,
            }));
            return Ok(events);
        }
        if !self.exists() {
            return Err(DomainError::NotFound);
        }
        Ok(match command {
            C::Open { .. } | C::OpenReview { .. } => vec![],
            // The holder answers the office's requests but cannot withdraw
            // the office's case.
            C::Examination(ExaminationCommand::Withdraw { .. }) => {
                return Err(DomainError::WrongRole)
            }
            C::Examination(command) => {
                let owner = self.holder.as_deref();
                let (events, _) = self.examination.decide(command, owner, self.channel())?;
                events.into_iter().map(SanctionEvent::Examination).collect()
            }
            C::RecordApplied { at } => match self.outcome {
                Some(_) => vec![],
                None => vec![SanctionEvent::SanctionApplied { at }],
            },
            C::RecordFailed { reason_code, at } => match self.outcome {
                Some(_) => vec![],
                None => vec![SanctionEvent::SanctionFailed { reason_code, at }],
            },
        })
    }
}

impl Aggregate for Sanction {
    const TYPE: &'static str = crate::case::CaseKind::Sanction.aggregate_type();
    type Command = SanctionCommand;
    type Event = SanctionEvent;
    type Error = DomainError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        if let Some(status) = event.status_after() {
            self.examination.status = status;
        }
        match event {
            SanctionEvent::SanctionOpened {
                registration_id,
                qualification_code,
                holder,
                details,
                submitted_at,
                due_at,
            } => {
                // The office already knows the register's matters.
                self.examination.registers_not_asked = true;
                self.registration_id = Some(registration_id);
                self.qualification_code = qualification_code;
                self.holder = holder;
                self.details = Some(details);
                self.submitted_at = Some(submitted_at);
                self.due_at = Some(due_at);
            }
            SanctionEvent::SanctionApplied { .. } => self.outcome = Some("APPLIED".into()),
            SanctionEvent::SanctionFailed { reason_code, .. } => {
                self.examination.rejection_reason = Some(reason_code.clone());
                self.outcome = Some(reason_code);
            }
            SanctionEvent::Examination(e) => self.examination.apply(&e),
        }
    }
}
