//! The status-list entries of wallet credentials: a re-issue, a change of
//! printed matters or the deletion of a registration makes every wallet
//! credential issued for it before that event INVALID for good (the holder
//! asks for a fresh one). Safe to replay: an INVALID entry stays INVALID.

use async_trait::async_trait;
use domain::certificate::revokes_certificates;
use sqlx::PgConnection;

use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

/// Revokes wallet credentials as registration events call for.
pub struct WalletCredentialStatus;

#[async_trait]
impl Projection for WalletCredentialStatus {
    fn name(&self) -> &'static str {
        "wallet_credential_status"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((registration_id, e)) = event.registration_event()? else {
            return Ok(());
        };
        if revokes_certificates(&e) {
            // A credential issued after the event stands on a newer
            // certificate; one issued concurrently under the old one is
            // revoked by its issuer's check after its commit.
            sqlx::query(
                "UPDATE status_list_entries SET status = 1
                 WHERE status <> 1 AND owner_id IN (
                     SELECT id FROM wallet_credentials
                     WHERE registration_id = $1 AND issued_at <= $2)",
            )
            .bind(registration_id)
            .bind(event.recorded_at)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Nothing to clear: a revocation is for good, and a replay repeats it.
        Ok(())
    }
}
