//! A suspension in the status lists: while it lasts, every certificate and
//! wallet credential of the registration reads SUSPENDED; when it lifts they
//! read VALID again. An expiry likewise: SUSPENDED (not revoked) until a
//! renewal revives the registration, which makes them VALID again. An entry revoked (INVALID) stays so: `set_status` never
//! changes one. Replayed in order, the events leave the same states.

use std::sync::Arc;

use adapters::certificate::set_status;
use async_trait::async_trait;
use certificate::Status;
use domain::examination::CaseStatus;
use domain::registration::{QualificationRegistration, RegistrationEvent};
use eventstore::store::CommandBus;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use sqlx::PgConnection;
use uuid::Uuid;

/// Sets the status-list entries of suspended registrations.
pub struct SuspensionStatus {
    registrations: Arc<CommandBus<QualificationRegistration>>,
}

impl SuspensionStatus {
    /// Reads the registrations' certificates from `registrations`.
    pub fn new(registrations: Arc<CommandBus<QualificationRegistration>>) -> Self {
        Self { registrations }
    }

    /// Every status-list owner of the registration: its certificates (from
    /// its events) and its wallet credentials.
    async fn owners(
        &self,
        conn: &mut PgConnection,
        registration_id: Uuid,
    ) -> Result<Vec<Uuid>, ProjectionError> {
        let (reg, _) = self
            .registrations
            .load_in(conn, &registration_id.to_string())
            .await
            .map_err(|e| ProjectionError::Command(e.to_string()))?;
        let credentials: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM wallet_credentials WHERE registration_id = $1")
                .bind(registration_id)
                .fetch_all(&mut *conn)
                .await?;
        Ok(reg
            .issued_certificates
            .into_iter()
            .chain(credentials)
            .collect())
    }
}

#[async_trait]
impl Projection for SuspensionStatus {
    fn name(&self) -> &'static str {
        "suspension_status"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if !matches!(
            event.event_type.as_str(),
            "RegistrationSuspended"
                | "SuspensionLifted"
                | "RegistrationExpired"
                | "RegistrationRenewed"
        ) {
            return Ok(());
        }
        let Some((registration_id, e)) = event.registration_event()? else {
            return Ok(());
        };
        let status = match e {
            RegistrationEvent::RegistrationSuspended { .. }
            | RegistrationEvent::RegistrationExpired { .. } => Status::Suspended,
            RegistrationEvent::SuspensionLifted { .. } => Status::Valid,
            // Only a renewal that revives an expired registration changes
            // the entries, to what it revives it as.
            RegistrationEvent::RegistrationRenewed {
                revived_as: Some(CaseStatus::Registered),
                ..
            } => Status::Valid,
            _ => return Ok(()),
        };
        for owner in self.owners(conn, registration_id).await? {
            set_status(conn, owner, status).await?;
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // The entries are allocations, not a view: a replay sets them again.
        Ok(())
    }
}
