//! The register: registered holders by qualification and registration number.

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::registration::RegistrationEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

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
            } => (
                qualification_code,
                registration_number,
                registered_on,
                family_name,
                given_name,
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
            ),
            RegistrationEvent::RegisteredMattersChanged { changes, .. } => {
                sqlx::query(
                    "UPDATE register SET family_name = coalesce($2, family_name),
                                         given_name = coalesce($3, given_name)
                     WHERE registration_id = $1",
                )
                .bind(id)
                .bind(changes.family_name)
                .bind(changes.given_name)
                .execute(&mut *conn)
                .await?;
                return Ok(());
            }
            RegistrationEvent::RegistrationDeleted { .. } => {
                sqlx::query("UPDATE register SET status = 'DELETED' WHERE registration_id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                return Ok(());
            }
            _ => return Ok(()),
        };
        let (qualification_code, registration_number, registered_on, family_name, given_name) =
            entry;
        // A replayed event finds its row and changes nothing. A number held by
        // another registration (two imports raced) must not stop the register
        // for good: the first holder keeps the row and the clash is logged.
        let holder: Uuid = sqlx::query_scalar(
            "WITH inserted AS (
               INSERT INTO register
                 (qualification_code, registration_number, registration_id, family_name, given_name,
                  registered_on, status)
               VALUES ($6, $2, $1, $3, $4, $5, 'REGISTERED')
               ON CONFLICT (qualification_code, registration_number) DO NOTHING
               RETURNING registration_id)
             SELECT registration_id FROM inserted
             UNION ALL
             SELECT registration_id FROM register
             WHERE qualification_code = $6 AND registration_number = $2
             LIMIT 1",
        )
        .bind(id)
        .bind(&registration_number)
        .bind(family_name)
        .bind(given_name)
        .bind(registered_on)
        .bind(&qualification_code)
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
        sqlx::query("TRUNCATE register").execute(conn).await?;
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
    pub status: String,
}

/// Looks a holder up by qualification and registration number.
pub async fn find(
    pool: &PgPool,
    qualification_code: &str,
    number: &str,
) -> Result<Option<RegisterEntry>, ProjectionError> {
    let row = sqlx::query(
        "SELECT qualification_code, registration_number, registration_id, family_name, given_name,
                registered_on, status
         FROM register WHERE qualification_code = $1 AND registration_number = $2",
    )
    .bind(qualification_code)
    .bind(number)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| RegisterEntry {
        qualification_code: r.get("qualification_code"),
        registration_number: r.get("registration_number"),
        registration_id: r.get("registration_id"),
        family_name: r.get("family_name"),
        given_name: r.get("given_name"),
        registered_on: r.get("registered_on"),
        status: r.get("status"),
    }))
}
