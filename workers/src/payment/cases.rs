//! Payment commands on whichever aggregate a case is.

use std::sync::Arc;

use domain::change_request::{ChangeRequest, ChangeRequestCommand};
use domain::examination::{Examination, ExaminationCommand};
use domain::registration::{QualificationRegistration, RegistrationCommand};
use domain::DomainError;
use projections::store::{CommandBus, CommandError};
use serde::{Deserialize, Serialize};

use crate::worker::JobError;

/// The kind of case a payment belongs to (also `metadata[case_type]` at Stripe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseType {
    Registration,
    ChangeRequest,
}

impl CaseType {
    /// The name in payloads and metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseType::Registration => "registration",
            CaseType::ChangeRequest => "change_request",
        }
    }

    /// The type of that name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "registration" => Some(CaseType::Registration),
            "change_request" => Some(CaseType::ChangeRequest),
            _ => None,
        }
    }
}

/// Both aggregates' command buses, addressed by case type.
#[derive(Clone)]
pub struct Cases {
    pub registrations: Arc<CommandBus<QualificationRegistration>>,
    pub change_requests: Arc<CommandBus<ChangeRequest>>,
}

fn failed(e: CommandError<DomainError>) -> JobError {
    match e {
        CommandError::Domain(e) => JobError::Permanent(format!("{} ({})", e, e.code())),
        other => JobError::retry(other),
    }
}

impl Cases {
    /// The case's examination (fee, payment, status), or None if it does not exist.
    pub async fn examination(
        &self,
        case_type: CaseType,
        id: &str,
    ) -> Result<Option<Examination>, JobError> {
        match case_type {
            CaseType::Registration => {
                let (reg, _) = self.registrations.load(id).await.map_err(JobError::retry)?;
                Ok(reg.exists().then_some(reg.examination))
            }
            CaseType::ChangeRequest => {
                let (req, _) = self
                    .change_requests
                    .load(id)
                    .await
                    .map_err(JobError::retry)?;
                Ok(req.exists().then_some(req.examination))
            }
        }
    }

    /// Executes a shared examination command; a domain refusal is permanent.
    pub async fn execute(
        &self,
        case_type: CaseType,
        id: &str,
        command: ExaminationCommand,
        actor: &str,
    ) -> Result<(), JobError> {
        let meta = std::collections::HashMap::from([("actor".to_owned(), actor.to_owned())]);
        match case_type {
            CaseType::Registration => self
                .registrations
                .execute(id, RegistrationCommand::Examination(command), None, meta)
                .await
                .map(|_| ())
                .map_err(failed),
            CaseType::ChangeRequest => self
                .change_requests
                .execute(id, ChangeRequestCommand::Examination(command), None, meta)
                .await
                .map(|_| ())
                .map_err(failed),
        }
    }
}
