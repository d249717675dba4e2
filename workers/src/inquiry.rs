//! The register inquiry as a job kind: a subscription enqueues one job per
//! case that enters examination, and the job asks the registers outside any
//! subscription transaction and records the answer on the case. An
//! unavailable register fails the job, which is retried with backoff and is
//! visible in the queue like any other job's failure.

use std::sync::Arc;

use adapters::audit::{Accessor, SYSTEM_ROLE};
use adapters::vault::Vault;
use async_trait::async_trait;
use chrono::Utc;
use domain::catalogue::Procedure;
use domain::change_request::ChangeRequest;
use domain::examination::ExaminationCommand;
use domain::registration::QualificationRegistration;
use domain::registry::{RegistryInquiry, Statement};
use domain::CaseKind;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::cases::{case_job, CaseRef, Cases};
use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue_all, Job};
use crate::worker::JobError;

case_job! {
    /// Asks the registers about a case.
    Inquire = "registry.inquiry", max_attempts 20
}

/// Enqueues an inquiry for every case that enters examination.
pub struct InquiryJobs;

#[async_trait]
impl Projection for InquiryJobs {
    fn name(&self) -> &'static str {
        "registry_inquiry"
    }

    /// The batch's jobs go in with one statement: a round trip per event
    /// held the subscription back in a burst.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let mut jobs = Vec::new();
        for event in events {
            let Some((_, e)) = event.case_event()? else {
                continue;
            };
            if e.examination().is_some_and(|x| x.starts_examination()) {
                let args = Inquire {
                    case: CaseRef {
                        case_type: e.kind(),
                        case_id: event.aggregate_id.clone(),
                    },
                };
                let key = format!("{}:{}", event.aggregate_id, event.sequence);
                jobs.push(args.job(key)?);
            }
        }
        enqueue_all(conn, &jobs).await?;
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Jobs are keyed by event: a replay enqueues nothing twice.
        Ok(())
    }
}

/// Who the audit log names for the register inquiry.
pub const INQUIRY_ACTOR: &str = "registry-inquiry";

/// Why the registers are asked: the law lets online applicants omit the
/// resident-register and family-register copies.
pub const INQUIRY_PURPOSE: &str =
    "register inquiry: name, address and registered domicile, for the examination (attached-document omission)";

/// Asks the registers and records the answer on the case.
pub struct InquiryHandler {
    cases: Cases,
    registry: Arc<dyn RegistryInquiry>,
    vault: Vault,
}

impl InquiryHandler {
    /// The handler over every kind of case.
    pub fn new(cases: Cases, registry: Arc<dyn RegistryInquiry>, vault: Vault) -> Self {
        Self {
            cases,
            registry,
            vault,
        }
    }

    /// The registration's statement and the vault entry of its holder's number.
    async fn statement(
        &self,
        registration_id: &str,
    ) -> Result<Option<(Statement, Uuid)>, JobError> {
        let (reg, _) = self
            .cases
            .bus::<QualificationRegistration>()
            .load(registration_id)
            .await
            .map_err(JobError::retry)?;
        let (Some(a), Some(reference)) = (reg.applicant, reg.my_number_ref) else {
            return Ok(None);
        };
        let family_register = a.has_family_register();
        let statement = Statement {
            family_name: a.family_name,
            given_name: a.given_name,
            registered_domicile: family_register.then_some(a.registered_domicile),
            address: a.address,
        };
        Ok(Some((statement, reference)))
    }

    /// What the registers are asked about a change request: the matters as
    /// they will be after the change; None when the kind asks nothing.
    async fn request_statement(&self, id: &str) -> Result<Option<(Statement, Uuid)>, JobError> {
        let (request, _) = self
            .cases
            .bus::<ChangeRequest>()
            .load(id)
            .await
            .map_err(JobError::retry)?;
        let (Some(details), Some(registration_id)) = (request.details, request.registration_id)
        else {
            return Ok(None);
        };
        let checked = [
            Procedure::ChangeName,
            Procedure::ChangeAddress,
            Procedure::ChangeDomicile,
        ];
        if !checked.contains(&details.kind) {
            return Ok(None);
        }
        let Some((mut statement, reference)) = self.statement(&registration_id.to_string()).await?
        else {
            return Ok(None);
        };
        let c = details.changes;
        statement.family_name = c.family_name.unwrap_or(statement.family_name);
        statement.given_name = c.given_name.unwrap_or(statement.given_name);
        statement.address = c.address.unwrap_or(statement.address);
        // Without a family register there is no domicile to ask about.
        if let Some(domicile) = statement.registered_domicile.as_mut() {
            *domicile = c.registered_domicile.unwrap_or(domicile.clone());
        }
        Ok(Some((statement, reference)))
    }
}

#[async_trait]
impl Work for InquiryHandler {
    type Args = Inquire;

    async fn work(&self, args: Inquire, job: &Job) -> Result<(), JobError> {
        let CaseRef { case_type, case_id } = args.case;
        let id = case_id.as_str();
        let asked = match case_type {
            CaseKind::Registration => self.statement(id).await?,
            CaseKind::ChangeRequest => self.request_statement(id).await?,
            // The office opens a sanction on the register's own matters.
            CaseKind::Sanction => None,
        };
        let Some((statement, reference)) = asked else {
            return Ok(());
        };
        // The holder's number and particulars leave for the registers: the
        // use is recorded (for the case, so the holder sees it) first.
        let Ok(case) = Uuid::parse_str(id) else {
            return Err(JobError::retry(format!("case id {id:?} is not a UUID")));
        };
        let who = Accessor {
            actor: INQUIRY_ACTOR.to_owned(),
            role: SYSTEM_ROLE.to_owned(),
            request_id: Some(format!("job-{}", job.id)),
            purpose: Some(INQUIRY_PURPOSE.to_owned()),
        };
        let Some(token) = self
            .vault
            .token_for_inquiry(reference, case, &who)
            .await
            .map_err(JobError::retry)?
        else {
            return Ok(());
        };
        let answer = self
            .registry
            .inquire(&token, &statement)
            .await
            .map_err(JobError::retry)?;
        let command = ExaminationCommand::RecordInquiry {
            answer,
            at: Utc::now(),
        };
        self.cases
            .execute(case_type, id, command, None, Default::default())
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}
