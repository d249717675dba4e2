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
use crate::catalogue::{InForce, Procedure};
use crate::certificate::{revokes_certificates, IssuedCertificate};
use crate::change_request::ChangeDetails;
use crate::examination::{CaseStatus, Examination, ExaminationEvent, Outcome};
use crate::{DomainError, Role};

/// Allocates registration numbers, unique per qualification.
#[async_trait]
pub trait RegistrationNumbers: Send + Sync {
    /// The next free value, as digits, of a counter: a qualification's code,
    /// or `CODE/prefecture` for prefectural numbers (see [`super::number`]).
    async fn next(&self, qualification_code: &str) -> Result<String, DomainError>;
}

/// What the aggregate needs from outside.
pub struct RegistrationServices {
    /// Fees and service standards.
    pub catalogue: InForce,
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
    pub examination: Examination,
    pub registration_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    /// Change requests filed and not yet ended, one per kind.
    pub open_change_requests: Vec<(Uuid, ChangeDetails)>,
    /// Change requests already carried out.
    pub applied_change_requests: Vec<Uuid>,
    /// The latest digital certificate, if one was issued.
    pub certificate: Option<IssuedCertificate>,
    /// Whether a later event (re-issue, change of name, deletion) revoked it.
    pub certificate_revoked: bool,
    /// Every certificate id ever issued, so a re-run job issues nothing twice.
    pub issued_certificates: Vec<Uuid>,
    /// When a holder linked it online (initial setting), if they did.
    #[serde(default)]
    pub linked_at: Option<DateTime<Utc>>,
    /// Whether someone disputed that link (the office looks into it).
    #[serde(default)]
    pub link_disputed: bool,
    /// The My Number reference before the online link (none for a
    /// paper-era registration), restored when the office undoes the link.
    #[serde(default)]
    pub my_number_ref_before_link: Option<Uuid>,
    /// When the case was withdrawn, rejected or deleted (My Number retention).
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// The suspension in force: its sanction and the day it lifts.
    #[serde(default)]
    pub suspension: Option<(Uuid, NaiveDate)>,
    /// Sanctions already put in force, so a re-sent approval changes nothing.
    #[serde(default)]
    pub applied_sanctions: Vec<Uuid>,
    /// After a revocation: the first day the holder may be registered again.
    #[serde(default)]
    pub barred_until: Option<NaiveDate>,
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
        if !self.exists() && !matches!(command, C::Submit { .. } | C::Import { .. }) {
            return Err(DomainError::NotFound);
        }
        let exam = &self.examination;
        Ok(match command {
            C::Submit {
                qualification_code,
                applicant,
                my_number_ref,
                channel,
                owner,
                holdings,
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
                let flag = super::holding::check(&qualification_code, &applicant, &holdings, at)?;
                services
                    .catalogue
                    .qualification(&qualification_code)
                    .ok_or(DomainError::UnknownQualification)?;
                let terms = services
                    .catalogue
                    .terms(&qualification_code, Procedure::NewRegistration)
                    .ok_or(DomainError::ProcedureNotOffered)?;
                let fee = terms.assess(channel, at)?;
                let opened = [
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
                    RegistrationEvent::Examination(ExaminationEvent::FeeAssessed { fee }),
                ];
                opened
                    .into_iter()
                    .chain(flag.map(RegistrationEvent::Examination))
                    .collect()
            }
            C::Examination(command) => {
                let channel = self.channel.unwrap_or(Channel::Online);
                let (events, decided) = exam.decide(command, self.owner.as_deref(), channel)?;
                let mut events: Vec<_> = events
                    .into_iter()
                    .map(RegistrationEvent::Examination)
                    .collect();
                if decided == Some(Outcome::Approve) {
                    events.push(self.register(services, &events).await?);
                }
                events
            }
            C::FileChangeRequest {
                request_id,
                details,
                actor,
                at,
            } => self.file_change_request(request_id, details, &actor, at)?,
            C::NotifyDeath {
                request_id,
                details,
                actor,
                at,
            } => self.notify_death(request_id, details, &actor, at)?,
            C::ApplyChange { request_id, at } => self.apply_change(request_id, at)?,
            C::Import {
                qualification_code,
                registration_number,
                registered_on,
                holder,
                at,
            } => {
                if self.exists() {
                    return Err(DomainError::AlreadyExists);
                }
                vec![RegistrationEvent::RegistrationImported {
                    qualification_code,
                    registration_number,
                    registered_on,
                    holder,
                    at,
                }]
            }
            C::LinkHolder {
                my_number_ref,
                actor,
                at,
            } => self.link_holder(my_number_ref, actor, at)?,
            C::DisputeLink { reason, actor, at } => self.dispute_link(reason, actor, at)?,
            C::ResolveLinkDispute {
                unlink,
                reason,
                actor,
                at,
            } => self.resolve_link_dispute(unlink, reason, actor, at)?,
            C::IssueCertificate {
                certificate_id,
                status_index,
                kid,
                issued_at,
                token,
                verification_url,
            } => {
                if self.issued_certificates.contains(&certificate_id) {
                    return Ok(vec![]);
                }
                match self.status() {
                    CaseStatus::Registered => {}
                    CaseStatus::Deleted => return Err(DomainError::RegistrationDeleted),
                    _ => return Err(DomainError::NotRegistered),
                }
                vec![RegistrationEvent::CertificateIssued {
                    certificate_id,
                    status_index,
                    kid,
                    issued_at,
                    token,
                    verification_url,
                }]
            }
            C::ApplySanction {
                sanction_id,
                kind,
                starts_on,
                ends_on,
                at,
            } => {
                let bar = services.catalogue.qualification(&self.qualification_code);
                let bar = bar.and_then(|q| q.revocation_bar_years);
                self.apply_sanction(sanction_id, (kind, starts_on, ends_on), bar, at)?
            }
            C::LiftSuspension { sanction_id, at } => self.lift_suspension(sanction_id, at),
            C::CloseChangeRequest { request_id, at } => {
                if self
                    .open_change_requests
                    .iter()
                    .any(|(id, _)| *id == request_id)
                {
                    vec![RegistrationEvent::ChangeRequestClosed { request_id, at }]
                } else {
                    vec![]
                }
            }
        })
    }
}

impl Aggregate for QualificationRegistration {
    const TYPE: &'static str = crate::case::CaseKind::Registration.aggregate_type();
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
        if revokes_certificates(&event) {
            self.certificate_revoked = true;
        }
        self.ended_at = event.ends_case().or(self.ended_at);
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
            RegistrationEvent::Registered {
                registration_number,
                registered_on,
                ..
            } => {
                self.registration_number = Some(registration_number);
                self.registered_on = Some(registered_on);
            }
            RegistrationEvent::ChangeRequestFiled {
                request_id,
                details,
                ..
            } => self.open_change_requests.push((request_id, *details)),
            RegistrationEvent::RegistrationImported {
                qualification_code,
                registration_number,
                registered_on,
                holder,
                at,
            } => {
                self.qualification_code = qualification_code;
                self.registration_number = Some(registration_number);
                self.registered_on = Some(registered_on);
                self.applicant = Some(*holder);
                self.channel = Some(Channel::Paper);
                self.submitted_at = Some(at);
                self.due_at = Some(at);
            }
            RegistrationEvent::HolderLinked {
                owner,
                my_number_ref,
                at,
            } => {
                self.my_number_ref_before_link = self.my_number_ref;
                self.owner = Some(owner);
                self.my_number_ref = Some(my_number_ref);
                self.linked_at = Some(at);
            }
            RegistrationEvent::HolderLinkDisputed { .. } => self.link_disputed = true,
            RegistrationEvent::LinkDisputeResolved { unlinked, .. } => self.resolve_link(unlinked),
            RegistrationEvent::RegisteredMattersChanged {
                request_id,
                changes,
                ..
            } => {
                if let Some(a) = self.applicant.as_mut() {
                    let set = |field: &mut String, value: Option<String>| {
                        if let Some(v) = value {
                            *field = v;
                        }
                    };
                    set(&mut a.family_name, changes.family_name);
                    set(&mut a.given_name, changes.given_name);
                    set(&mut a.family_name_kana, changes.family_name_kana);
                    set(&mut a.given_name_kana, changes.given_name_kana);
                    set(&mut a.address, changes.address);
                    set(&mut a.registered_domicile, changes.registered_domicile);
                }
                self.end_change_request(request_id, true);
            }
            RegistrationEvent::CertificateReissueRequested { request_id, .. }
            | RegistrationEvent::RegistrationDeleted { request_id, .. } => {
                self.end_change_request(request_id, true)
            }
            RegistrationEvent::ChangeRequestClosed { request_id, .. } => {
                self.end_change_request(request_id, false)
            }
            RegistrationEvent::CertificateIssued {
                certificate_id,
                status_index,
                kid,
                issued_at,
                token,
                ..
            } => {
                self.issued_certificates.push(certificate_id);
                self.certificate = Some(IssuedCertificate {
                    certificate_id,
                    status_index,
                    kid,
                    issued_at,
                    token,
                });
                self.certificate_revoked = false;
            }
            RegistrationEvent::RegistrationSuspended { .. }
            | RegistrationEvent::SuspensionLifted { .. }
            | RegistrationEvent::RegistrationRevoked { .. } => self.apply_sanction_event(&event),
            RegistrationEvent::Examination(e) => self.examination.apply(&e),
        }
    }
}
