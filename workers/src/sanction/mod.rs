//! The sanction process: a checkpointed subscription that puts an approved
//! sanction in force on its registration and schedules a suspension's end.
//!
//! - an approved sanction case becomes `ApplySanction` on the registration,
//!   and the case records the outcome (applied, or why not: the registration
//!   had left the register meanwhile);
//! - a `RegistrationSuspended` queues one `sanction.lift` job, keyed by the
//!   sanction, due at the start of the end date in Japan: the job table holds
//!   it across restarts, its key makes it one job, and the registration lifts
//!   only the suspension still in force, so the lift happens exactly once;
//! - [`status`] sets the registration's certificates and wallet credentials
//!   SUSPENDED in the status lists, and VALID again when the suspension lifts.
//!
//! Every command it sends is idempotent per sanction, so a crash or a
//! rebuild that delivers an event again changes nothing twice.

mod lift;
mod prerequisite;
pub mod status;

use std::sync::Arc;

use async_trait::async_trait;
use domain::examination::{ExaminationEvent, Outcome};
use domain::registration::{QualificationRegistration, RegistrationCommand, RegistrationEvent};
use domain::sanction::{lift_instant, Sanction, SanctionCommand, SanctionEvent};
use domain::{CaseEvent, Clock, DomainError};
use sqlx::PgConnection;
use uuid::Uuid;

use eventstore::store::{CommandBus, CommandError};
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

use crate::error::command_failed;
use crate::job_kind::JobArgs;
use crate::jobs::enqueue;
pub use lift::{LiftHandler, LiftSuspension};
pub use prerequisite::PrerequisiteWatch;

/// Drives approved sanctions to their effect on the registration.
pub struct SanctionProcess {
    registrations: Arc<CommandBus<QualificationRegistration>>,
    sanctions: Arc<CommandBus<Sanction>>,
    clock: Clock,
}

impl SanctionProcess {
    /// A process over the registrations and the sanction cases, dating what
    /// it records by `clock`.
    pub fn new(
        registrations: Arc<CommandBus<QualificationRegistration>>,
        sanctions: Arc<CommandBus<Sanction>>,
        clock: Clock,
    ) -> Self {
        Self {
            registrations,
            sanctions,
            clock,
        }
    }

    async fn on_approved(&self, sanction_id: Uuid) -> Result<(), ProjectionError> {
        let (sanction, _) = self
            .sanctions
            .load(&sanction_id.to_string())
            .await
            .map_err(command_failed)?;
        let (Some(registration_id), Some(details)) = (sanction.registration_id, &sanction.details)
        else {
            return Ok(());
        };
        let now = self.clock.now();
        let apply = RegistrationCommand::ApplySanction {
            sanction_id,
            kind: details.kind,
            starts_on: details.starts_on,
            ends_on: details.ends_on,
            at: now,
        };
        let outcome = match self
            .registrations
            .execute(
                &registration_id.to_string(),
                apply,
                None,
                Default::default(),
            )
            .await
        {
            Ok(_) => SanctionCommand::RecordApplied { at: now },
            // The registration left the register meanwhile: the case ends in
            // a clear state instead of waiting forever.
            Err(CommandError::Domain(
                e @ (DomainError::RegistrationDeleted
                | DomainError::RegistrationRevoked
                | DomainError::NotRegistered
                | DomainError::NotFound),
            )) => SanctionCommand::RecordFailed {
                reason_code: e.code().to_owned(),
                at: now,
            },
            Err(e) => return Err(command_failed(e)),
        };
        self.sanctions
            .execute(&sanction_id.to_string(), outcome, None, Default::default())
            .await
            .map_err(command_failed)?;
        Ok(())
    }
}

#[async_trait]
impl Projection for SanctionProcess {
    fn name(&self) -> &'static str {
        "sanction_process"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        // Only an approval and a suspension concern the process: the other
        // events are not even decoded.
        if !matches!(
            event.event_type.as_str(),
            "DecisionApproved" | "RegistrationSuspended"
        ) {
            return Ok(());
        }
        match event.case_event()? {
            Some((
                id,
                CaseEvent::Sanction(SanctionEvent::Examination(
                    ExaminationEvent::DecisionApproved {
                        outcome: Outcome::Approve,
                        ..
                    },
                )),
            )) => self.on_approved(id).await?,
            Some((
                registration_id,
                CaseEvent::Registration(RegistrationEvent::RegistrationSuspended {
                    sanction_id,
                    until,
                    ..
                }),
            )) => {
                let args = LiftSuspension {
                    registration_id,
                    sanction_id,
                };
                let mut job = args.job(sanction_id.to_string())?;
                job.run_at = Some(lift_instant(until));
                enqueue(conn, job).await?;
            }
            Some(_) | None => {}
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // No rows of its own: a rebuild replays idempotent commands, and the
        // lift jobs are keyed by sanction.
        Ok(())
    }
}
