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
use crate::Appending;
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

    /// The cases of this kind among `ids`, by id, in one read; an id never
    /// filed is left out.
    pub async fn load_many(
        &self,
        kind: CaseKind,
        ids: &[String],
    ) -> Result<HashMap<String, CaseSummary>, CaseError> {
        match kind {
            CaseKind::Registration => self.summaries::<QualificationRegistration>(ids).await,
            CaseKind::ChangeRequest => self.summaries::<ChangeRequest>(ids).await,
            CaseKind::Sanction => self.summaries::<Sanction>(ids).await,
        }
    }

    /// Runs one shared examination command on each of several cases in one
    /// transaction (one read a kind, one commit for them all), each against
    /// its state as the transaction finds it; all or none are recorded. For
    /// batches of jobs: on an error (a concurrent command on one of the
    /// cases, say) the caller runs them one by one with [`Cases::execute`],
    /// which retries.
    pub async fn execute_all(
        &self,
        commands: Vec<(CaseKind, String, ExaminationCommand)>,
        metadata: HashMap<String, String>,
    ) -> Result<(), CaseError> {
        let mut by_kind: HashMap<CaseKind, Vec<(String, ExaminationCommand)>> = HashMap::new();
        for (kind, id, command) in commands {
            by_kind.entry(kind).or_default().push((id, command));
        }
        let mut tx = Appending::begin(self.pool()).await?;
        for (kind, commands) in by_kind {
            tx = match kind {
                CaseKind::Registration => {
                    self.run_all::<QualificationRegistration>(tx, commands, &metadata)
                        .await?
                }
                CaseKind::ChangeRequest => {
                    self.run_all::<ChangeRequest>(tx, commands, &metadata)
                        .await?
                }
                CaseKind::Sanction => self.run_all::<Sanction>(tx, commands, &metadata).await?,
            };
        }
        tx.commit().await?;
        Ok(())
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

    /// The pool every bus shares (one database holds every case's events).
    fn pool(&self) -> &sqlx::PgPool {
        self.registrations.pool()
    }

    async fn run_all<C: CaseBus>(
        &self,
        tx: Appending,
        commands: Vec<(String, ExaminationCommand)>,
        metadata: &HashMap<String, String>,
    ) -> Result<Appending, CaseError> {
        let commands = commands
            .into_iter()
            .map(|(id, command)| (id, C::examination_command(command)))
            .collect();
        C::bus(self).execute_many_in(tx, commands, metadata).await
    }

    async fn summaries<C: CaseBus>(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, CaseSummary>, CaseError> {
        let loaded = C::bus(self).load_many(ids).await?;
        Ok(loaded
            .into_iter()
            .filter(|(_, (case, _))| case.exists())
            .map(|(id, (case, version))| (id, summarize(&case, version)))
            .collect())
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
