//! The certificate status view: which certificates a registration has had
//! and which are revoked, built from registration events; it also sets the
//! status list entries (`status_list_entries`) of the revoked certificates
//! and of the wallet credentials issued under them to INVALID.

use async_trait::async_trait;
use domain::certificate::revokes_certificates;
use domain::registration::RegistrationEvent;
use sqlx::PgConnection;
use uuid::Uuid;

use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

/// Builds `certificate_status` from registration events.
pub struct CertificateStatusProjection;

/// Revokes the registration's certificates other than `keep`, in the view
/// and in the status list. INVALID is for good, so a replay of the events
/// (a rebuild) sets the same entries again and lifts nothing; VALID is the
/// entry's state from its allocation, so it is never written here.
async fn revoke(
    conn: &mut PgConnection,
    registration_id: Uuid,
    keep: Option<Uuid>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE certificate_status SET revoked_at = $3
         WHERE registration_id = $1 AND certificate_id IS DISTINCT FROM $2 AND revoked_at IS NULL",
    )
    .bind(registration_id)
    .bind(keep)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE status_list_entries SET status = 1
         WHERE status <> 1 AND owner_id IN (
             SELECT certificate_id FROM certificate_status
             WHERE registration_id = $1 AND certificate_id IS DISTINCT FROM $2)",
    )
    .bind(registration_id)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    // The wallet credentials that stood on them, in the same transaction:
    // the holder hears of one revocation, not of two. A credential issued
    // after the event stands on a newer certificate; one issued concurrently
    // under the old one is revoked by its issuer's check after its commit.
    sqlx::query(
        "UPDATE status_list_entries SET status = 1
         WHERE status <> 1 AND owner_id IN (
             SELECT id FROM wallet_credentials
             WHERE registration_id = $1 AND certificate_id IS DISTINCT FROM $2
               AND issued_at <= $3)",
    )
    .bind(registration_id)
    .bind(keep)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Projection for CertificateStatusProjection {
    fn name(&self) -> &'static str {
        "certificate_status"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((registration_id, e)) = event.registration_event()? else {
            return Ok(());
        };
        if let RegistrationEvent::CertificateIssued {
            certificate_id,
            status_index,
            kid,
            issued_at,
            ..
        } = &e
        {
            // A new certificate supersedes every earlier one of the registration.
            revoke(
                conn,
                registration_id,
                Some(*certificate_id),
                event.recorded_at,
            )
            .await?;
            sqlx::query(
                "INSERT INTO certificate_status
                   (certificate_id, registration_id, status_index, kid, issued_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (certificate_id) DO NOTHING",
            )
            .bind(certificate_id)
            .bind(registration_id)
            .bind(status_index)
            .bind(kid)
            .bind(issued_at)
            .execute(&mut *conn)
            .await?;
        } else if revokes_certificates(&e) {
            revoke(conn, registration_id, None, event.recorded_at).await?;
        }
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // The status list entries are allocations, not part of the view: a
        // replay sets the revoked ones again.
        sqlx::query("TRUNCATE certificate_status")
            .execute(conn)
            .await?;
        Ok(())
    }
}
