//! Published verification keys: every key that ever signed, newest first.

use certificate::keys::PublicKey;
use certificate::{Jwk, JwkSet, KeySet};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

use eventstore::ProjectionError;

/// A published key and whether it still signs.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    pub jwk: Jwk,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// Publishes the key that signs from now on and retires every other one.
/// Called at start-up with the configured key and by `certificate-keys rotate`.
pub async fn make_current(pool: &PgPool, key: &PublicKey) -> Result<(), ProjectionError> {
    let jwk = key.to_jwk();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO certificate_keys (kid, jwk) VALUES ($1, $2)
         ON CONFLICT (kid) DO UPDATE SET retired_at = NULL",
    )
    .bind(&jwk.kid)
    .bind(serde_json::to_value(&jwk)?)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE certificate_keys SET retired_at = now() WHERE kid <> $1 AND retired_at IS NULL",
    )
    .bind(&jwk.kid)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every published key, the current one first.
pub async fn published(pool: &PgPool) -> Result<Vec<PublishedKey>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT jwk, created_at, retired_at FROM certificate_keys
         ORDER BY retired_at DESC NULLS FIRST, created_at DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PublishedKey {
                jwk: serde_json::from_value(r.get("jwk"))?,
                created_at: r.get("created_at"),
                retired_at: r.get("retired_at"),
            })
        })
        .collect()
}

/// The published keys as a JWK Set.
pub async fn jwk_set(pool: &PgPool) -> Result<JwkSet, ProjectionError> {
    Ok(JwkSet {
        keys: published(pool).await?.into_iter().map(|k| k.jwk).collect(),
    })
}

/// The published keys, ready to check signatures.
pub async fn key_set(pool: &PgPool) -> Result<KeySet, ProjectionError> {
    KeySet::from_jwks(&jwk_set(pool).await?)
        .map_err(|e| ProjectionError::Certificate(e.to_string()))
}
