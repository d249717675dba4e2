//! Nonces, access tokens at the credential endpoint, and the record of the
//! wallet credentials issued.

use chrono::{DateTime, Utc};
use eventstore::ProjectionError;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::{digest, random_secret, TOKEN_LIFETIME};

/// A fresh nonce (c_nonce) for a key proof; expired ones are swept here.
pub async fn new_nonce(pool: &PgPool) -> Result<(String, i64), ProjectionError> {
    let nonce = random_secret();
    sqlx::query("DELETE FROM credential_nonces WHERE expires_at < now()")
        .execute(pool)
        .await?;
    sqlx::query("INSERT INTO credential_nonces (nonce, expires_at) VALUES ($1, $2)")
        .bind(&nonce)
        .bind(Utc::now() + TOKEN_LIFETIME)
        .execute(pool)
        .await?;
    Ok((nonce, TOKEN_LIFETIME.num_seconds()))
}

/// Uses up a nonce; false when it was never issued, is used or expired.
pub async fn consume_nonce(conn: &mut PgConnection, nonce: &str) -> Result<bool, ProjectionError> {
    Ok(
        sqlx::query("DELETE FROM credential_nonces WHERE nonce = $1 AND expires_at > now()")
            .bind(nonce)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// What an access token allows: one credential of one offer.
#[derive(Debug, Clone)]
pub struct Grant {
    pub offer_id: Uuid,
    pub registration_id: Uuid,
    pub configuration_id: String,
    token_hash: Vec<u8>,
}

/// The grant of an unused, unexpired access token, locked for this transaction.
pub async fn grant(
    conn: &mut PgConnection,
    access_token: &str,
) -> Result<Option<Grant>, ProjectionError> {
    let row = sqlx::query(
        "SELECT t.token_hash, o.id, o.registration_id, o.configuration_id
         FROM credential_access_tokens t JOIN credential_offers o ON o.id = t.offer_id
         WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now()
         FOR UPDATE OF t",
    )
    .bind(digest(access_token))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Grant {
        offer_id: r.get("id"),
        registration_id: r.get("registration_id"),
        configuration_id: r.get("configuration_id"),
        token_hash: r.get("token_hash"),
    }))
}

/// One wallet credential as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletCredentialRecord {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub configuration_id: String,
    /// The certificate current when it was issued: superseding it revokes this.
    pub certificate_id: Uuid,
    /// RFC 7638 thumbprint of the wallet key it is bound to.
    pub holder_key: String,
    pub status_index: i64,
    pub status_uri: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Records an issued credential and uses up the grant's access token.
pub async fn record(
    conn: &mut PgConnection,
    grant: &Grant,
    credential: &WalletCredentialRecord,
) -> Result<(), ProjectionError> {
    sqlx::query("UPDATE credential_access_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(&grant.token_hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO wallet_credentials
           (id, registration_id, offer_id, configuration_id, certificate_id, holder_key,
            status_index, status_uri, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(credential.id)
    .bind(credential.registration_id)
    .bind(grant.offer_id)
    .bind(&credential.configuration_id)
    .bind(credential.certificate_id)
    .bind(&credential.holder_key)
    .bind(credential.status_index)
    .bind(&credential.status_uri)
    .bind(credential.issued_at)
    .bind(credential.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The wallet credentials of a registration, newest first.
pub async fn of_registration(
    pool: &PgPool,
    registration_id: Uuid,
) -> Result<Vec<WalletCredentialRecord>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT id, registration_id, configuration_id, certificate_id, holder_key,
                status_index, status_uri, issued_at, expires_at
         FROM wallet_credentials WHERE registration_id = $1 ORDER BY issued_at DESC, id",
    )
    .bind(registration_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WalletCredentialRecord {
            id: r.get("id"),
            registration_id: r.get("registration_id"),
            configuration_id: r.get("configuration_id"),
            certificate_id: r.get("certificate_id"),
            holder_key: r.get("holder_key"),
            status_index: r.get("status_index"),
            status_uri: r.get("status_uri"),
            issued_at: r.get("issued_at"),
            expires_at: r.get("expires_at"),
        })
        .collect())
}
