//! The certificate status view and the status list built from it.

use async_trait::async_trait;
use certificate::StatusList;
use domain::certificate::revokes_certificates;
use domain::registration::RegistrationEvent;
use sqlx::{PgConnection, PgPool};

use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

/// Builds `certificate_status` from registration events.
pub struct CertificateStatusProjection;

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
            sqlx::query!(
                "UPDATE certificate_status SET revoked_at = $3
                 WHERE registration_id = $1 AND certificate_id <> $2 AND revoked_at IS NULL",
                registration_id,
                certificate_id,
                event.recorded_at,
            )
            .execute(&mut *conn)
            .await?;
            sqlx::query!(
                "INSERT INTO certificate_status
                   (certificate_id, registration_id, status_index, kid, issued_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (certificate_id) DO NOTHING",
                certificate_id,
                registration_id,
                status_index,
                kid,
                issued_at,
            )
            .execute(&mut *conn)
            .await?;
        } else if revokes_certificates(&e) {
            sqlx::query!(
                "UPDATE certificate_status SET revoked_at = $2
                 WHERE registration_id = $1 AND revoked_at IS NULL",
                registration_id,
                event.recorded_at,
            )
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query!("TRUNCATE certificate_status")
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// The status list: one bit per allocated index, set for revoked certificates.
pub async fn status_list(pool: &PgPool) -> Result<StatusList, ProjectionError> {
    let allocated: i64 = sqlx::query_scalar!(
        r#"SELECT coalesce(max(status_index) + 1, 0) AS "allocated!"
           FROM certificate_status_indexes"#,
    )
    .fetch_one(pool)
    .await?;
    let revoked: Vec<i64> = sqlx::query_scalar!(
        "SELECT status_index FROM certificate_status WHERE revoked_at IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    let mut list = StatusList::new(allocated.max(0) as u64);
    for idx in revoked {
        list.revoke(idx as u64);
    }
    Ok(list)
}

/// Whether the certificate at `idx` is revoked; None when no certificate
/// ever had that index.
pub async fn is_revoked(pool: &PgPool, idx: u64) -> Result<Option<bool>, ProjectionError> {
    let Ok(idx) = i64::try_from(idx) else {
        return Ok(None);
    };
    let revoked: Option<bool> = sqlx::query_scalar!(
        r#"SELECT revoked_at IS NOT NULL AS "revoked!"
           FROM certificate_status WHERE status_index = $1"#,
        idx,
    )
    .fetch_optional(pool)
    .await?;
    if revoked.is_some() {
        return Ok(revoked);
    }
    // Allocated but not yet in the view (it lags the event by moments): not revoked.
    let allocated: bool = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM certificate_status_indexes WHERE status_index = $1)
                AS "allocated!""#,
        idx,
    )
    .fetch_one(pool)
    .await?;
    Ok(allocated.then_some(false))
}
