//! The two kinds of case examiners work, seen as one: the paper-record
//! endpoints and the console act on either through the same command buses.

use std::collections::HashMap;

use domain::change_request::ChangeRequestCommand;
use domain::examination::ExaminationCommand;
use domain::registration::RegistrationCommand;
use domain::DomainError;
use projections::store::CommandError;
use uuid::Uuid;

use crate::AppState;

/// A registration application or a change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseType {
    Registration,
    ChangeRequest,
}

impl CaseType {
    /// The queue view's name of the case type.
    pub fn parse(s: &str) -> Option<CaseType> {
        match s {
            "REGISTRATION" => Some(CaseType::Registration),
            "CHANGE_REQUEST" => Some(CaseType::ChangeRequest),
            _ => None,
        }
    }

    /// The queue view's name of the case type.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseType::Registration => "REGISTRATION",
            CaseType::ChangeRequest => "CHANGE_REQUEST",
        }
    }
}

/// Runs one examination command on a case; returns the new version.
pub async fn execute(
    state: &AppState,
    case_type: CaseType,
    id: Uuid,
    command: ExaminationCommand,
    expected: Option<usize>,
    metadata: HashMap<String, String>,
) -> Result<usize, CommandError<DomainError>> {
    let id = id.to_string();
    Ok(match case_type {
        CaseType::Registration => {
            let command = RegistrationCommand::Examination(command);
            state
                .registrations
                .execute(&id, command, expected, metadata)
                .await?
                .1
        }
        CaseType::ChangeRequest => {
            let command = ChangeRequestCommand::Examination(command);
            state
                .change_requests
                .execute(&id, command, expected, metadata)
                .await?
                .1
        }
    })
}
