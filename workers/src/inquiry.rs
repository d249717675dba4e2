//! The register inquiry as a job kind: a subscription enqueues one job per
//! case that enters examination, and the job asks the registers outside any
//! subscription transaction and records the answer on the case. An
//! unavailable register fails the job, which is retried with backoff and is
//! visible in the queue like any other job's failure.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use cqrs_es::Aggregate;
use domain::catalogue::Procedure;
use domain::change_request::{ChangeRequest, ChangeRequestCommand, ChangeRequestEvent};
use domain::examination::ExaminationCommand;
use domain::registration::{QualificationRegistration, RegistrationCommand, RegistrationEvent};
use domain::registry::{RegistryInquiry, Statement};
use projections::store::CommandBus;
use projections::subscription::{Projection, StoredEvent};
use projections::vault::Vault;
use projections::ProjectionError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;

use crate::payment::cases::CaseType;
use crate::queue::{enqueue, Job, NewJob};
use crate::worker::{JobError, JobHandler};

/// The job kind.
pub const KIND: &str = "registry.inquiry";

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    case_type: CaseType,
    case_id: String,
}

/// Enqueues an inquiry for every case that enters examination.
pub struct InquiryJobs;

#[async_trait]
impl Projection for InquiryJobs {
    fn name(&self) -> &'static str {
        "registry_inquiry"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let case_type = if event.aggregate_type == QualificationRegistration::TYPE {
            let e: RegistrationEvent = event.decode()?;
            matches!(&e, RegistrationEvent::Examination(x) if x.starts_examination())
                .then_some(CaseType::Registration)
        } else if event.aggregate_type == ChangeRequest::TYPE {
            let e: ChangeRequestEvent = event.decode()?;
            matches!(&e, ChangeRequestEvent::Examination(x) if x.starts_examination())
                .then_some(CaseType::ChangeRequest)
        } else {
            None
        };
        if let Some(case_type) = case_type {
            let payload = json!(Payload {
                case_type,
                case_id: event.aggregate_id.clone(),
            });
            let key = format!("{}:{}", event.aggregate_id, event.sequence);
            let mut job = NewJob::new(KIND, key, payload);
            job.max_attempts = 20;
            enqueue(conn, job).await?;
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Jobs are keyed by event: a replay enqueues nothing twice.
        Ok(())
    }
}

/// Asks the registers and records the answer on the case.
pub struct InquiryHandler {
    registrations: Arc<CommandBus<QualificationRegistration>>,
    requests: Arc<CommandBus<ChangeRequest>>,
    registry: Arc<dyn RegistryInquiry>,
    vault: Vault,
}

impl InquiryHandler {
    /// The handler over both aggregates.
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
    ) -> Result<Option<(Statement, Vec<u8>)>, JobError> {
        let (reg, _) = self
            .registrations
            .load(registration_id)
            .await
            .map_err(JobError::retry)?;
        let (Some(a), Some(reference)) = (reg.applicant, reg.my_number_ref) else {
            return Ok(None);
        };
        let Some(token) = self
            .vault
            .token_of(reference)
            .await
            .map_err(JobError::retry)?
        else {
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

    async fn ask_for_registration(&self, id: &str) -> Result<(), JobError> {
        let Some((statement, token)) = self.statement(id).await? else {
            return Ok(());
        };
        let answer = self
            .registry
            .inquire(&token, &statement)
            .await
            .map_err(JobError::retry)?;
        let command = RegistrationCommand::Examination(ExaminationCommand::RecordInquiry {
            answer,
            at: Utc::now(),
        });
        self.registrations
            .execute(id, command, None, Default::default())
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }

    async fn ask_for_request(&self, id: &str) -> Result<(), JobError> {
        let (request, _) = self.requests.load(id).await.map_err(JobError::retry)?;
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
            .map_err(JobError::retry)?;
        let command = ChangeRequestCommand::Examination(ExaminationCommand::RecordInquiry {
            answer,
            at: Utc::now(),
        });
        self.requests
            .execute(id, command, None, Default::default())
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}

#[async_trait]
impl JobHandler for InquiryHandler {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let payload: Payload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
        match payload.case_type {
            CaseType::Registration => self.ask_for_registration(&payload.case_id).await,
            CaseType::ChangeRequest => self.ask_for_request(&payload.case_id).await,
        }
    }
}
