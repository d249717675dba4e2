//! The case seam: every examined thing is a case of one [`CaseKind`], its
//! aggregate implements [`ExaminedCase`], and its stored events decode into one
//! [`CaseEvent`]. This is the only module that knows the names a kind has on
//! the wire, in paths and in the event store; everywhere else matches on the
//! enum, so adding a kind turns every place that must handle it into a
//! compiler error. The README's "Adding a case kind" lists those places.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use crate::catalogue::Procedure;
use crate::change_request::{ChangeRequest, ChangeRequestCommand, ChangeRequestEvent};
use crate::examination::{CaseStatus, Examination, ExaminationCommand, ExaminationEvent};
use crate::registration::{
    Channel, QualificationRegistration, RegistrationCommand, RegistrationEvent,
};
use crate::sanction::{Sanction, SanctionEvent};
use crate::DomainError;

/// Every kind of case examiners work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseKind {
    /// An application for a new registration.
    Registration,
    /// A change of registered matters, a re-issue or a deletion.
    ChangeRequest,
    /// A suspension or revocation the office opens on a registration.
    Sanction,
}

impl CaseKind {
    /// Every kind, in the order the spec lists them.
    pub const ALL: [CaseKind; 3] = [
        CaseKind::Registration,
        CaseKind::ChangeRequest,
        CaseKind::Sanction,
    ];

    /// The name in the API, the queue view and the console (`REGISTRATION`).
    pub const fn wire(self) -> &'static str {
        match self {
            CaseKind::Registration => "REGISTRATION",
            CaseKind::ChangeRequest => "CHANGE_REQUEST",
            CaseKind::Sanction => "SANCTION",
        }
    }

    /// The collection in URLs (`/v1/registrations/{id}`).
    pub const fn path(self) -> &'static str {
        match self {
            CaseKind::Registration => "registrations",
            CaseKind::ChangeRequest => "change-requests",
            CaseKind::Sanction => "sanctions",
        }
    }

    /// The aggregate type its events are stored under.
    pub const fn aggregate_type(self) -> &'static str {
        match self {
            CaseKind::Registration => "QualificationRegistration",
            CaseKind::ChangeRequest => "ChangeRequest",
            CaseKind::Sanction => "Sanction",
        }
    }

    /// The name in job payloads and in payment metadata (`registration`).
    pub const fn key(self) -> &'static str {
        match self {
            CaseKind::Registration => "registration",
            CaseKind::ChangeRequest => "change_request",
            CaseKind::Sanction => "sanction",
        }
    }

    /// The kind of a wire name.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.wire() == name)
    }

    /// The kind of a URL collection.
    pub fn from_path(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.path() == segment)
    }

    /// The kind whose events are stored under this aggregate type; None for
    /// an aggregate that is not a case.
    pub fn from_aggregate_type(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.aggregate_type() == name)
    }

    /// The kind of a payload or metadata key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// On the wire a kind is its wire name.
impl Serialize for CaseKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.wire())
    }
}

impl<'de> Deserialize<'de> for CaseKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_wire(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown case kind {name:?}")))
    }
}

/// Serde by [`CaseKind::key`], for job payloads and payment metadata written
/// before the seam existed (`#[serde(with = "domain::case::by_key")]`).
pub mod by_key {
    use super::CaseKind;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the key.
    pub fn serialize<S: Serializer>(kind: &CaseKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.key())
    }

    /// Reads the key.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CaseKind, D::Error> {
        let key = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        CaseKind::from_key(&key)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown case kind {key:?}")))
    }
}

/// What every examined aggregate tells about itself.
pub trait ExaminedCase: Aggregate<Error = DomainError> + Clone {
    /// The kind of case this aggregate is.
    const KIND: CaseKind;
    /// Whether the case has been filed.
    fn exists(&self) -> bool;
    /// Who may follow and act on the case as applicant.
    fn owner(&self) -> Option<&str>;
    /// The qualification the case is about.
    fn qualification_code(&self) -> &str;
    /// How the case reached the office.
    fn channel(&self) -> Channel;
    /// Fee, payment, register answer and examination state.
    fn examination(&self) -> &Examination;
    /// Wraps a shared examination command into this aggregate's command.
    fn examination_command(command: ExaminationCommand) -> Self::Command;
    /// The shared examination event inside one of this aggregate's events.
    fn examination_event(event: &Self::Event) -> Option<&ExaminationEvent>;
}

impl ExaminedCase for QualificationRegistration {
    const KIND: CaseKind = CaseKind::Registration;

    fn exists(&self) -> bool {
        QualificationRegistration::exists(self)
    }
    fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }
    fn qualification_code(&self) -> &str {
        &self.qualification_code
    }
    fn channel(&self) -> Channel {
        self.channel.unwrap_or(Channel::Online)
    }
    fn examination(&self) -> &Examination {
        &self.examination
    }
    fn examination_command(command: ExaminationCommand) -> RegistrationCommand {
        RegistrationCommand::Examination(command)
    }
    fn examination_event(event: &RegistrationEvent) -> Option<&ExaminationEvent> {
        match event {
            RegistrationEvent::Examination(e) => Some(e),
            _ => None,
        }
    }
}

impl ExaminedCase for ChangeRequest {
    const KIND: CaseKind = CaseKind::ChangeRequest;

    fn exists(&self) -> bool {
        ChangeRequest::exists(self)
    }
    fn owner(&self) -> Option<&str> {
        ChangeRequest::owner(self)
    }
    fn qualification_code(&self) -> &str {
        &self.qualification_code
    }
    fn channel(&self) -> Channel {
        self.details.as_ref().map_or(Channel::Online, |d| d.channel)
    }
    fn examination(&self) -> &Examination {
        &self.examination
    }
    fn examination_command(command: ExaminationCommand) -> ChangeRequestCommand {
        ChangeRequestCommand::Examination(command)
    }
    fn examination_event(event: &ChangeRequestEvent) -> Option<&ExaminationEvent> {
        match event {
            ChangeRequestEvent::Examination(e) => Some(e),
            _ => None,
        }
    }
}

impl ExaminedCase for Sanction {
    const KIND: CaseKind = CaseKind::Sanction;

    fn exists(&self) -> bool {
        Sanction::exists(self)
    }
    fn owner(&self) -> Option<&str> {
        self.holder.as_deref()
    }
    fn qualification_code(&self) -> &str {
        &self.qualification_code
    }
    fn channel(&self) -> Channel {
        Sanction::channel(self)
    }
    fn examination(&self) -> &Examination {
        &self.examination
    }
    fn examination_command(command: ExaminationCommand) -> crate::sanction::SanctionCommand {
        crate::sanction::SanctionCommand::Examination(command)
    }
    fn examination_event(event: &SanctionEvent) -> Option<&ExaminationEvent> {
        match event {
            SanctionEvent::Examination(e) => Some(e),
            _ => None,
        }
    }
}

/// What the event that opens a case says about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Opening<'a> {
    pub qualification_code: &'a str,
    pub procedure: Procedure,
    pub submitted_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// One stored event of any case, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseEvent {
    Registration(RegistrationEvent),
    ChangeRequest(ChangeRequestEvent),
    Sanction(SanctionEvent),
}

impl CaseEvent {
    /// Decodes a stored payload of the given kind in one pass.
    pub fn decode(kind: CaseKind, payload: &str) -> Result<Self, serde_json::Error> {
        Ok(match kind {
            CaseKind::Registration => CaseEvent::Registration(serde_json::from_str(payload)?),
            CaseKind::ChangeRequest => CaseEvent::ChangeRequest(serde_json::from_str(payload)?),
            CaseKind::Sanction => CaseEvent::Sanction(serde_json::from_str(payload)?),
        })
    }

    /// The kind of case the event belongs to.
    pub fn kind(&self) -> CaseKind {
        match self {
            CaseEvent::Registration(_) => CaseKind::Registration,
            CaseEvent::ChangeRequest(_) => CaseKind::ChangeRequest,
            CaseEvent::Sanction(_) => CaseKind::Sanction,
        }
    }

    /// The shared examination event, if this is one.
    pub fn examination(&self) -> Option<&ExaminationEvent> {
        match self {
            CaseEvent::Registration(e) => QualificationRegistration::examination_event(e),
            CaseEvent::ChangeRequest(e) => ChangeRequest::examination_event(e),
            CaseEvent::Sanction(e) => Sanction::examination_event(e),
        }
    }

    /// The case's opening, when this event opens one.
    pub fn opening(&self) -> Option<Opening<'_>> {
        match self {
            CaseEvent::Registration(RegistrationEvent::ApplicationSubmitted {
                qualification_code,
                submitted_at,
                due_at,
                ..
            }) => Some(Opening {
                qualification_code,
                procedure: Procedure::NewRegistration,
                submitted_at: *submitted_at,
                due_at: *due_at,
            }),
            CaseEvent::ChangeRequest(ChangeRequestEvent::ChangeRequested {
                qualification_code,
                details,
                submitted_at,
                due_at,
                ..
            }) => Some(Opening {
                qualification_code,
                procedure: details.kind,
                submitted_at: *submitted_at,
                due_at: *due_at,
            }),
            CaseEvent::Sanction(SanctionEvent::SanctionOpened {
                qualification_code,
                details,
                submitted_at,
                due_at,
                ..
            }) => Some(Opening {
                qualification_code,
                procedure: details.kind.procedure(),
                submitted_at: *submitted_at,
                due_at: *due_at,
            }),
            CaseEvent::Registration(_) | CaseEvent::ChangeRequest(_) | CaseEvent::Sanction(_) => {
                None
            }
        }
    }

    /// The status the case has after this event, when the event changes it.
    pub fn status_after(&self) -> Option<CaseStatus> {
        match self {
            CaseEvent::Registration(e) => e.status_after(),
            CaseEvent::ChangeRequest(e) => e.status_after(),
            CaseEvent::Sanction(e) => e.status_after(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_of_a_kind_reads_back_as_that_kind() {
        for kind in CaseKind::ALL {
            assert_eq!(CaseKind::from_wire(kind.wire()), Some(kind));
            assert_eq!(CaseKind::from_path(kind.path()), Some(kind));
            assert_eq!(CaseKind::from_key(kind.key()), Some(kind));
            assert_eq!(
                CaseKind::from_aggregate_type(kind.aggregate_type()),
                Some(kind)
            );
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<CaseKind>(&json).unwrap(), kind);
        }
        assert_eq!(CaseKind::from_wire("registration"), None);
    }

    #[test]
    fn each_aggregate_is_stored_under_its_kinds_type() {
        assert_eq!(
            QualificationRegistration::TYPE,
            QualificationRegistration::KIND.aggregate_type()
        );
        assert_eq!(ChangeRequest::TYPE, ChangeRequest::KIND.aggregate_type());
        assert_eq!(Sanction::TYPE, Sanction::KIND.aggregate_type());
    }
}
