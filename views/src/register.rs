//! The register: registered holders by qualification and registration number.

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::registration::RegistrationEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::vocab::CaseStatus;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

/// Builds `register`.
pub struct RegisterProjection;

#[async_trait]
impl Projection for RegisterProjection {
    fn name(&self) -> &'static str {
        "register"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((id, e)) = event.registration_event()? else {
            return Ok(());
        };
        let entry = match e {
            RegistrationEvent::Registered {
                qualification_code,
                registration_number,
                registered_on,
                family_name,
                given_name,
                valid_until,
            } => (
                qualification_code,
                registration_number,
                registered_on,
                family_name,
                given_name,
                valid_until,
            ),
            RegistrationEvent::RegistrationImported {
                qualification_code,
                registration_number,
                registered_on,
                holder,
                ..
            } => (
                qualification_code,
                registration_number,
                registered_on,
                holder.family_name,
                holder.given_name,
                None,
            ),
            RegistrationEvent::RegisteredMattersChanged { changes, .. } => {
                sqlx::query!(
                    "UPDATE register SET family_name = coalesce($2, family_name),
                                         given_name = coalesce($3, given_name)
                     WHERE registration_id = $1",
                    id,
                    changes.family_name,
                    changes.given_name,
                )
                .execute(&mut *conn)
                .await?;
                return Ok(());
            }
            RegistrationEvent::RegistrationRenewed { valid_until, .. } => {
                // A renewal revives an expired entry; any other status stays.
                let status = e.status_after().map(CaseStatus::from);
                sqlx::query!(
                    "UPDATE register SET valid_until = $2, status = coalesce($3, status)
                     WHERE registration_id = $1",
                    id,
                    valid_until,
                    status as Option<CaseStatus>,
                )
                .execute(&mut *conn)
                .await?;
                return Ok(());
            }
            // Deletion, sanctions and expiry change only the entry's status.
            RegistrationEvent::RegistrationExpired { .. }
            | RegistrationEvent::RegistrationDeleted { .. }
            | RegistrationEvent::RegistrationSuspended { .. }
            | RegistrationEvent::SuspensionLifted { .. }
            | RegistrationEvent::RegistrationRevoked { .. } => {
                let Some(status) = e.status_after().map(CaseStatus::from) else {
                    return Ok(());
                };
                sqlx::query!(
                    "UPDATE register SET status = $2 WHERE registration_id = $1",
                    id,
                    status as CaseStatus,
                )
                .execute(&mut *conn)
                .await?;
                return Ok(());
            }
            _ => return Ok(()),
        };
        let (
            qualification_code,
            registration_number,
            registered_on,
            family_name,
            given_name,
            valid_until,
        ) = entry;
        // A replayed event finds its row and changes nothing. A number held by
        // another registration (two imports raced) must not stop the register
        // for good: the first holder keeps the row and the clash is logged.
        // Both branches name a non-null column; the macro cannot tell through UNION ALL.
        let holder: Uuid = sqlx::query_scalar!(
            r#"WITH inserted AS (
               INSERT INTO register
                 (qualification_code, registration_number, registration_id, family_name, given_name,
                  registered_on, status, valid_until)
               VALUES ($6, $2, $1, $3, $4, $5, $7, $8)
               ON CONFLICT (qualification_code, registration_number) DO NOTHING
               RETURNING registration_id)
             SELECT registration_id AS "registration_id!" FROM inserted
             UNION ALL
             SELECT registration_id FROM register
             WHERE qualification_code = $6 AND registration_number = $2
             LIMIT 1"#,
            id,
            &registration_number,
            family_name,
            given_name,
            registered_on,
            &qualification_code,
            CaseStatus::Registered as CaseStatus,
            valid_until,
        )
        .fetch_one(&mut *conn)
        .await?;
        if holder != id {
            tracing::error!(
                %qualification_code, %registration_number, registration_id = %id, holder = %holder,
                "registration number already on the register for another registration"
            );
        }
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query!("TRUNCATE register").execute(conn).await?;
        Ok(())
    }
}

/// A registered holder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegisterEntry {
    pub qualification_code: String,
    pub registration_number: String,
    pub registration_id: Uuid,
    pub family_name: String,
    pub given_name: String,
    pub registered_on: NaiveDate,
    /// Registered, suspended, revoked, expired, or deleted from the register.
    pub status: CaseStatus,
    /// The last day it is valid; none: it does not expire.
    pub valid_until: Option<NaiveDate>,
}

/// Looks a holder up by qualification and registration number.
pub async fn find(
    pool: &PgPool,
    qualification_code: &str,
    number: &str,
) -> Result<Option<RegisterEntry>, ProjectionError> {
    Ok(sqlx::query_as!(
        RegisterEntry,
        r#"SELECT qualification_code, registration_number, registration_id, family_name,
                given_name, registered_on, status AS "status: CaseStatus", valid_until
         FROM register WHERE qualification_code = $1 AND registration_number = $2"#,
        qualification_code,
        number,
    )
    .fetch_optional(pool)
    .await?)
}
