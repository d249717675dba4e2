//! The change-request process manager: a checkpointed subscription that turns
//! what happens to change requests into commands on their registrations.
//! Every command it sends is idempotent per request id, so a crash or a
//! rebuild that delivers an event again changes nothing twice.

use std::sync::Arc;

use async_trait::async_trait;
use domain::change_request::{ChangeRequest, ChangeRequestCommand, ChangeRequestEvent};
use domain::examination::{ExaminationEvent, Outcome};
use domain::registration::{QualificationRegistration, RegistrationCommand, RegistrationEvent};
use domain::{CaseEvent, CaseKind, Clock, DomainError};
use sqlx::PgConnection;
use uuid::Uuid;

use eventstore::store::{CommandBus, CommandError};
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

use crate::error::command_failed;

/// Drives change requests to their effect on the registration.
pub struct ChangeRequestProcess {
    registrations: Arc<CommandBus<QualificationRegistration>>,
    requests: Arc<CommandBus<ChangeRequest>>,
    clock: Clock,
}

impl ChangeRequestProcess {
    /// A process manager over both aggregates.
    pub fn new(
        registrations: Arc<CommandBus<QualificationRegistration>>,
        requests: Arc<CommandBus<ChangeRequest>>,
    ) -> Self {
        Self {
            registrations,
            requests,
            clock: Clock::system(),
        }
    }

    /// Dates what it records by `clock` (the application's, which the
    /// test clock moves): a renewal extends from its approval's date.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Opens the change request a registration reserved (the API does this
    /// too; whichever comes second changes nothing).
    async fn open_request(
        &self,
        registration_id: Uuid,
        request_id: Uuid,
    ) -> Result<(), ProjectionError> {
        let (reg, _) = self
            .registrations
            .load(&registration_id.to_string())
            .await
            .map_err(command_failed)?;
        let Some((_, details)) = reg
            .open_change_requests
            .iter()
            .find(|(id, _)| *id == request_id)
        else {
            return Ok(());
        };
        let at = self.clock.now();
        let command = ChangeRequestCommand::Submit {
            registration_id,
            qualification_code: reg.qualification_code.clone(),
            holder: reg.owner.clone(),
            details: Box::new(details.clone()),
            at,
        };
        self.requests
            .execute(&request_id.to_string(), command, None, Default::default())
            .await
            .map_err(command_failed)?;
        Ok(())
    }

    async fn on_request_event(
        &self,
        request_id: Uuid,
        event: ChangeRequestEvent,
    ) -> Result<(), ProjectionError> {
        let approved = matches!(
            event,
            ChangeRequestEvent::Examination(ExaminationEvent::DecisionApproved {
                outcome: Outcome::Approve,
                ..
            })
        );
        let ended = matches!(
            event,
            ChangeRequestEvent::Examination(
                ExaminationEvent::ApplicationRejected { .. }
                    | ExaminationEvent::ApplicationWithdrawn { .. }
            ) | ChangeRequestEvent::ChangeFailed { .. }
        );
        if !approved && !ended {
            return Ok(());
        }
        let (request, _) = self
            .requests
            .load(&request_id.to_string())
            .await
            .map_err(command_failed)?;
        let Some(registration_id) = request.registration_id else {
            return Ok(());
        };
        let now = self.clock.now();
        if ended {
            let close = RegistrationCommand::CloseChangeRequest {
                request_id,
                at: now,
            };
            self.registrations
                .execute(
                    &registration_id.to_string(),
                    close,
                    None,
                    Default::default(),
                )
                .await
                .map_err(command_failed)?;
            return Ok(());
        }
        let apply = RegistrationCommand::ApplyChange {
            request_id,
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
            Ok(_) => ChangeRequestCommand::RecordApplied { at: now },
            // The registration was deleted or revoked (or the slot ended)
            // meanwhile: the request ends in a clear state instead of waiting
            // forever, and the process goes on with the next one.
            Err(CommandError::Domain(
                e @ (DomainError::RegistrationDeleted
                | DomainError::RegistrationRevoked
                | DomainError::NotFound),
            )) => ChangeRequestCommand::RecordFailed {
                reason_code: e.code().to_owned(),
                at: now,
            },
            Err(e) => return Err(command_failed(e)),
        };
        self.requests
            .execute(&request_id.to_string(), outcome, None, Default::default())
            .await
            .map_err(command_failed)?;
        Ok(())
    }
}

#[async_trait]
impl Projection for ChangeRequestProcess {
    fn name(&self) -> &'static str {
        "change_request_process"
    }

    async fn apply(
        &self,
        _conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        // Of a registration's events only a filing concerns the process:
        // the others are not even decoded.
        let concerns = match event.kind() {
            Some(CaseKind::Registration) => event.event_type == "ChangeRequestFiled",
            Some(CaseKind::ChangeRequest) => true,
            // Sanctions have their own process (`crate::sanction`).
            Some(CaseKind::Sanction) | None => false,
        };
        if !concerns {
            return Ok(());
        }
        match event.case_event()? {
            Some((
                id,
                CaseEvent::Registration(RegistrationEvent::ChangeRequestFiled {
                    request_id, ..
                }),
            )) => self.open_request(id, request_id).await?,
            Some((id, CaseEvent::ChangeRequest(e))) => self.on_request_event(id, e).await?,
            Some((_, CaseEvent::Registration(_) | CaseEvent::Sanction(_))) | None => {}
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // No rows of its own: a rebuild replays idempotent commands.
        Ok(())
    }
}
