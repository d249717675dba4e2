//! The scheduled end of a suspension: `sanction.lift`, due at the start of
//! its end date in Japan, lifts it on the registration.

use std::sync::Arc;

use async_trait::async_trait;
use domain::registration::{QualificationRegistration, RegistrationCommand};
use domain::Clock;
use eventstore::store::CommandBus;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::job_kind::{JobArgs, Work};
use crate::jobs::Job;
use crate::worker::JobError;

/// Lifts one suspension of one registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiftSuspension {
    pub registration_id: Uuid,
    pub sanction_id: Uuid,
}

impl JobArgs for LiftSuspension {
    const KIND: &'static str = "sanction.lift";
}

/// Runs `sanction.lift` jobs.
pub struct LiftHandler {
    registrations: Arc<CommandBus<QualificationRegistration>>,
    clock: Clock,
}

impl LiftHandler {
    /// A handler sending its command to `registrations`, dated by `clock`.
    pub fn new(registrations: Arc<CommandBus<QualificationRegistration>>, clock: Clock) -> Self {
        Self {
            registrations,
            clock,
        }
    }
}

#[async_trait]
impl Work for LiftHandler {
    type Args = LiftSuspension;

    async fn work(&self, args: LiftSuspension, _job: &Job) -> Result<(), JobError> {
        // Lifts only the suspension still in force: run twice, or after a
        // revocation, it records nothing.
        let command = RegistrationCommand::LiftSuspension {
            sanction_id: args.sanction_id,
            at: self.clock.now(),
        };
        self.registrations
            .execute(
                &args.registration_id.to_string(),
                command,
                None,
                Default::default(),
            )
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}
