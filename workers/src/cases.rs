//! Jobs' side of the case service (`eventstore::cases`): loading a case and
//! recording a job's result on it, with failures sorted into retry or give up.

use std::collections::HashMap;

use async_trait::async_trait;
use domain::examination::{Examination, ExaminationCommand};
use domain::CaseKind;
use eventstore::cases::CaseError;
pub use eventstore::cases::Cases;
use eventstore::store::CommandError;
use serde::{Deserialize, Serialize};

use crate::worker::JobError;

impl From<CaseError> for JobError {
    /// A domain refusal never succeeds on a retry; anything else may.
    fn from(e: CaseError) -> Self {
        match e {
            CommandError::Domain(e) => JobError::Permanent(format!("{} ({})", e, e.code())),
            other => JobError::retry(other),
        }
    }
}

/// The case a job is about; the payload of the register inquiry and the
/// payment jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRef {
    #[serde(with = "domain::case::by_key")]
    pub case_type: CaseKind,
    pub case_id: String,
}

/// Declares a job kind whose arguments are a [`CaseRef`] (stored as the
/// bare case reference) with its name and attempt limit.
macro_rules! case_job {
    ($(#[$doc:meta])* $name:ident = $kind:literal, max_attempts $attempts:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name {
            pub case: $crate::cases::CaseRef,
        }

        impl $crate::job_kind::JobArgs for $name {
            const KIND: &'static str = $kind;
            const MAX_ATTEMPTS: i32 = $attempts;
        }
    };
}
pub(crate) use case_job;

/// What a job does with a case.
#[async_trait]
pub trait CaseJobs {
    /// The case's examination (fee, payment, status), or None if it does not exist.
    async fn examination_of(
        &self,
        kind: CaseKind,
        id: &str,
    ) -> Result<Option<Examination>, JobError>;

    /// Records a job's result on the case as `actor`.
    async fn record(
        &self,
        kind: CaseKind,
        id: &str,
        command: ExaminationCommand,
        actor: &str,
    ) -> Result<(), JobError>;
}

#[async_trait]
impl CaseJobs for Cases {
    async fn examination_of(
        &self,
        kind: CaseKind,
        id: &str,
    ) -> Result<Option<Examination>, JobError> {
        let case = self.load(kind, id).await.map_err(JobError::retry)?;
        Ok(case.map(|c| c.examination))
    }

    async fn record(
        &self,
        kind: CaseKind,
        id: &str,
        command: ExaminationCommand,
        actor: &str,
    ) -> Result<(), JobError> {
        let meta = HashMap::from([("actor".to_owned(), actor.to_owned())]);
        self.execute(kind, id, command, None, meta).await?;
        Ok(())
    }
}
