//! The register inquiry: a subscription that asks the registers when a case
//! enters examination and records the answer on the case. An unavailable
//! register stops this subscription (never the application), which retries
//! with backoff; the queue shows the case as waiting meanwhile.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use cqrs_es::Aggregate;
use domain::catalogue::Procedure;
use domain::change_request::{ChangeRequest, ChangeRequestCommand, ChangeRequestEvent};
use domain::examination::ExaminationCommand;
use domain::examination::ExaminationEvent;
use domain::registration::{QualificationRegistration, RegistrationCommand, RegistrationEvent};
use domain::registry::{RegistryInquiry, Statement};
use sqlx::PgConnection;

use crate::store::CommandBus;
use crate::subscription::{Projection, StoredEvent};
use crate::vault::Vault;
use crate::ProjectionError;

/// Asks the registers for every case that enters examination.
pub struct RegistryInquirySubscription {
    registrations: Arc<CommandBus<QualificationRegistration>>,
    requests: Arc<CommandBus<ChangeRequest>>,
    registry: Arc<dyn RegistryInquiry>,
    vault: Vault,
}

fn command_failed(e: impl std::fmt::Display) -> ProjectionError {
    ProjectionError::Command(e.to_string())
}

impl RegistryInquirySubscription {
    /// The subscription over both aggregates.
    pub fn new(
        registrations: Arc<CommandBus<QualificationRegistration>>,
        requests: Arc<CommandBus<ChangeRequest>>,
        registry: Arc<dyn RegistryInquiry>,
        vault: Vault,
    ) -> Self {
        Self {
            registrations,
            requests,
            registry,
            vault,
        }
    }

    /// The registration's statement and the token of its holder's number.
    async fn statement(
        &self,
        registration_id: &str,
    ) -> Result<Option<(Statement, Vec<u8>)>, ProjectionError> {
        let (reg, _) = self
            .registrations
            .load(registration_id)
            .await
            .map_err(command_failed)?;
        let (Some(a), Some(reference)) = (reg.applicant, reg.my_number_ref) else {
            return Ok(None);
        };
        let Some(token) = self.vault.token_of(reference).await? else {
            return Ok(None);
        };
        let statement = Statement {
            family_name: a.family_name,
            given_name: a.given_name,
            address: a.address,
            registered_domicile: a.registered_domicile,
        };
        Ok(Some((statement, token)))
    }

    async fn ask_for_registration(&self, id: &str) -> Result<(), ProjectionError> {
        let Some((statement, token)) = self.statement(id).await? else {
            return Ok(());
        };
        let answer = self
            .registry
            .inquire(&token, &statement)
            .await
            .map_err(command_failed)?;
        let at = Utc::now();
        self.registrations
            .execute(
                id,
                RegistrationCommand::Examination(ExaminationCommand::RecordInquiry { answer, at }),
                None,
                Default::default(),
            )
            .await
            .map_err(command_failed)?;
        Ok(())
    }

    async fn ask_for_request(&self, id: &str) -> Result<(), ProjectionError> {
        let (request, _) = self.requests.load(id).await.map_err(command_failed)?;
        let (Some(details), Some(registration_id)) = (request.details, request.registration_id)
        else {
            return Ok(());
        };
        let checked = [
            Procedure::ChangeName,
            Procedure::ChangeAddress,
            Procedure::ChangeDomicile,
        ];
        if !checked.contains(&details.kind) {
            return Ok(());
        }
        let Some((mut statement, token)) = self.statement(&registration_id.to_string()).await?
        else {
            return Ok(());
        };
        // The registers must show the matters as they will be after the change.
        let c = details.changes;
        statement.family_name = c.family_name.unwrap_or(statement.family_name);
        statement.given_name = c.given_name.unwrap_or(statement.given_name);
        statement.address = c.address.unwrap_or(statement.address);
        statement.registered_domicile = c
            .registered_domicile
            .unwrap_or(statement.registered_domicile);
        let answer = self
            .registry
            .inquire(&token, &statement)
            .await
            .map_err(command_failed)?;
        let at = Utc::now();
        self.requests
            .execute(
                id,
                ChangeRequestCommand::Examination(ExaminationCommand::RecordInquiry { answer, at }),
                None,
                Default::default(),
            )
            .await
            .map_err(command_failed)?;
        Ok(())
    }
}

#[async_trait]
impl Projection for RegistryInquirySubscription {
    fn name(&self) -> &'static str {
        "registry_inquiry"
    }

    fn batch_size(&self) -> i64 {
        16
    }

    async fn apply(
        &self,
        _conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type == QualificationRegistration::TYPE {
            let e: RegistrationEvent = serde_json::from_value(event.payload.clone())?;
            if matches!(&e, RegistrationEvent::Examination(x) if x.starts_examination()) {
                self.ask_for_registration(&event.aggregate_id).await?;
            }
        } else if event.aggregate_type == ChangeRequest::TYPE {
            let e: ChangeRequestEvent = serde_json::from_value(event.payload.clone())?;
            if matches!(&e, ChangeRequestEvent::Examination(x) if x.starts_examination()) {
                self.ask_for_request(&event.aggregate_id).await?;
            }
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // No rows of its own; recording an answer twice changes nothing.
        Ok(())
    }
}

/// Whether an examination event raises or settles queue flags.
pub fn flag_update(e: &ExaminationEvent) -> Option<FlagUpdate> {
    match e {
        ExaminationEvent::RegistryInquiryAnswered { answer, .. } => Some(FlagUpdate::Answered(
            domain::examination::inquiry_flags(answer),
        )),
        e if e.starts_examination() => Some(FlagUpdate::Pending),
        _ => None,
    }
}

/// A change to a case's queue flags.
pub enum FlagUpdate {
    /// The registers are being asked.
    Pending,
    /// The registers answered; these flags replace the pending one.
    Answered(Vec<String>),
}
