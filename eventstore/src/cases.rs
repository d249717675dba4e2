//! The case service, the store's side of the case seam (`domain::case`): the
//! command bus of every examined aggregate, addressed by [`CaseKind`], and the
//! one place a stored event becomes a [`CaseEvent`]. Callers that know only a
//! kind and an id (the console, the sandbox, the payment and inquiry jobs) go
//! through here; each `match` on a kind below is exhaustive, so a new kind
//! is a compiler error here and nowhere else in this crate.

use std::collections::HashMap;
use std::sync::Arc;

use domain::change_request::ChangeRequest;
use domain::examination::{Examination, ExaminationCommand};
use domain::registration::{Channel, QualificationRegistration, RegistrationEvent};
use domain::sanction::Sanction;
use domain::{CaseEvent, CaseKind, DomainError, ExaminedCase};
use uuid::Uuid;

use crate::store::{CommandBus, CommandError};
use crate::subscription::StoredEvent;
use crate::ProjectionError;

/// Every examined aggregate's command bus.
#[derive(Clone)]
pub struct Cases {
    pub registrations: Arc<CommandBus<QualificationRegistration>>,
    pub change_requests: Arc<CommandBus<ChangeRequest>>,
    pub sanctions: Arc<CommandBus<Sanction>>,
}

/// An examined aggregate whose bus [`Cases`] holds.
pub trait CaseBus: ExaminedCase<Command: Clone> {
    /// This aggregate's bus.
    fn bus(cases: &Cases) -> &CommandBus<Self>;
}

impl CaseBus for QualificationRegistration {
    fn bus(cases: &Cases) -> &CommandBus<Self> {
        &cases.registrations
    }
}

impl CaseBus for ChangeRequest {
    fn bus(cases: &Cases) -> &CommandBus<Self> {
        &cases.change_requests
    }
}

impl CaseBus for Sanction {
    fn bus(cases: &Cases) -> &CommandBus<Self> {
        &cases.sanctions
    }
}

/// Any case as the code that handles every kind alike sees it.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub kind: CaseKind,
    pub owner: Option<String>,
    pub qualification_code: String,
    pub channel: Channel,
    /// Fee, payment, register answer and examination state.
    pub examination: Examination,
    /// The aggregate's version (its ETag).
    pub version: usize,
}

/// A command's failure, as every bus reports it.
pub type CaseError = CommandError<DomainError>;

impl Cases {
    /// The bus of one aggregate type.
    pub fn bus<C: CaseBus>(&self) -> &CommandBus<C> {
        C::bus(self)
    }

    /// Runs a shared examination command on a case; returns the new version.
    pub async fn execute(
        &self,
        kind: CaseKind,
        id: &str,
        command: ExaminationCommand,
        expected: Option<usize>,
        metadata: HashMap<String, String>,
    ) -> Result<usize, CaseError> {
        match kind {
            CaseKind::Registration => {
                self.run::<QualificationRegistration>(id, command, expected, metadata)
                    .await
            }
            CaseKind::ChangeRequest => {
                self.run::<ChangeRequest>(id, command, expected, metadata)
                    .await
            }
            CaseKind::Sanction => self.run::<Sanction>(id, command, expected, metadata).await,
        }
    }

    /// The case of this kind and id, or None when it was never filed.
    pub async fn load(&self, kind: CaseKind, id: &str) -> Result<Option<CaseSummary>, CaseError> {
        match kind {
            CaseKind::Registration => self.summary::<QualificationRegistration>(id).await,
            CaseKind::ChangeRequest => self.summary::<ChangeRequest>(id).await,
            CaseKind::Sanction => self.summary::<Sanction>(id).await,
        }
    }

    /// The case with this id, whatever its kind (ids are UUIDs, unique
    /// across kinds), or None.
    pub async fn find(&self, id: &str) -> Result<Option<CaseSummary>, CaseError> {
        for kind in CaseKind::ALL {
            if let Some(case) = self.load(kind, id).await? {
                return Ok(Some(case));
            }
        }
        Ok(None)
    }

    async fn run<C: CaseBus>(
        &self,
        id: &str,
        command: ExaminationCommand,
        expected: Option<usize>,
        metadata: HashMap<String, String>,
    ) -> Result<usize, CaseError> {
        let command = C::examination_command(command);
        let (_, version) = C::bus(self)
            .execute(id, command, expected, metadata)
            .await?;
        Ok(version)
    }

    async fn summary<C: CaseBus>(&self, id: &str) -> Result<Option<CaseSummary>, CaseError> {
        let (case, version) = C::bus(self).load(id).await?;
        Ok(case.exists().then(|| summarize(&case, version)))
    }
}

/// What every kind tells about a case.
pub fn summarize<C: ExaminedCase>(case: &C, version: usize) -> CaseSummary {
    CaseSummary {
        kind: C::KIND,
        owner: case.owner().map(str::to_owned),
        qualification_code: case.qualification_code().to_owned(),
        channel: case.channel(),
        examination: case.examination().clone(),
        version,
    }
}

impl StoredEvent {
    /// The kind of case the event belongs to; None for an aggregate that is
    /// not a case.
    pub fn kind(&self) -> Option<CaseKind> {
        CaseKind::from_aggregate_type(&self.aggregate_type)
    }

    /// The event decoded as its case's event, with the case id; None for an
    /// aggregate that is not a case.
    pub fn case_event(&self) -> Result<Option<(Uuid, CaseEvent)>, ProjectionError> {
        let Some(kind) = self.kind() else {
            return Ok(None);
        };
        Ok(Some((
            self.aggregate_uuid()?,
            CaseEvent::decode(kind, &self.payload)?,
        )))
    }

    /// The event decoded, with the registration's id, when it is a
    /// registration's: for views of the register alone.
    pub fn registration_event(&self) -> Result<Option<(Uuid, RegistrationEvent)>, ProjectionError> {
        if self.kind() != Some(CaseKind::Registration) {
            return Ok(None);
        }
        Ok(Some((self.aggregate_uuid()?, self.decode()?)))
    }
}
