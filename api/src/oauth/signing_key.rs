//! The key that signs ministry access tokens, kept in the database (so every
//! API process signs with the same key) but only sealed: AES-256-GCM under a
//! key derived from the vault key, with the key's `kid` as associated data,
//! so a database copy alone mints nothing.
//!
//! Earlier versions stored the key as plaintext PEM, so it is in every backup
//! taken since: such a key is not re-encrypted but retired at start-up (its
//! private part erased) and a new sealed key takes over. Tokens it signed stop
//! working; clients take a new token, as they do every ten minutes anyway.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use certificate::SigningKey;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::PgPool;

/// Why the signing key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("signing key: {0}")]
    Key(#[from] certificate::KeyError),
    /// The vault key changed, or the row was altered.
    #[error("the token signing key {0} does not open with this vault key")]
    Sealed(String),
}

fn cipher(vault_master: &[u8; 32]) -> Aes256Gcm {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(vault_master).expect("HMAC takes any key length");
    mac.update(b"shikaku oauth signing key v1");
    let key: [u8; 32] = mac.finalize().into_bytes().into();
    Aes256Gcm::new(&key.into())
}

/// Encrypts a PKCS#8 PEM for the row of `kid`: (nonce, ciphertext).
pub fn seal(vault_master: &[u8; 32], kid: &str, pem: &str) -> (Vec<u8>, Vec<u8>) {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher(vault_master)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: pem.as_bytes(),
                aad: kid.as_bytes(),
            },
        )
        .expect("AES-GCM encrypts any message of this size");
    (nonce.to_vec(), sealed)
}

/// Decrypts the PEM sealed for the row of `kid`.
pub fn open(
    vault_master: &[u8; 32],
    kid: &str,
    nonce: &[u8],
    sealed: &[u8],
) -> Result<String, SigningKeyError> {
    let wrong = || SigningKeyError::Sealed(kid.to_owned());
    if nonce.len() != 12 {
        return Err(wrong());
    }
    let plain = cipher(vault_master)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: kid.as_bytes(),
            },
        )
        .map_err(|_| wrong())?;
    String::from_utf8(plain).map_err(|_| wrong())
}

/// The current signing key and its PEM: retires plaintext keys, makes and
/// seals a key the first time.
pub async fn current(
    pool: &PgPool,
    vault_master: &[u8; 32],
) -> Result<(SigningKey, String), SigningKeyError> {
    let mut tx = pool.begin().await?;
    // Two processes starting at once make one key, not two.
    sqlx::query_scalar!(
        r#"SELECT true AS "locked!" FROM pg_advisory_xact_lock(hashtext('oauth_signing_keys'))"#
    )
    .fetch_one(&mut *tx)
    .await?;
    let retired = sqlx::query!(
        "UPDATE oauth_signing_keys SET private_pem = NULL, retired_at = now()
         WHERE private_pem IS NOT NULL"
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if retired > 0 {
        tracing::warn!(
            retired,
            "retired token signing keys stored in plaintext; a new sealed key signs from now on"
        );
    }
    let row = sqlx::query!(
        r#"SELECT kid, nonce AS "nonce!", sealed_key AS "sealed_key!" FROM oauth_signing_keys
         WHERE retired_at IS NULL AND sealed_key IS NOT NULL
         ORDER BY created_at DESC LIMIT 1"#
    )
    .fetch_optional(&mut *tx)
    .await?;
    let pem = match row {
        Some(row) => open(vault_master, &row.kid, &row.nonce, &row.sealed_key)?,
        None => {
            let (key, pem) = SigningKey::generate()?;
            let (nonce, sealed) = seal(vault_master, key.kid(), &pem);
            sqlx::query!(
                "INSERT INTO oauth_signing_keys (kid, nonce, sealed_key) VALUES ($1, $2, $3)",
                key.kid(),
                nonce,
                sealed
            )
            .execute(&mut *tx)
            .await?;
            pem
        }
    };
    tx.commit().await?;
    let key = SigningKey::from_pem(&pem)?;
    Ok((key, pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_vault_key_and_for_its_row() {
        let master = [3u8; 32];
        let pem = "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n";
        let (nonce, sealed) = seal(&master, "kid-1", pem);
        assert!(!String::from_utf8_lossy(&sealed).contains("PRIVATE KEY"));
        assert_eq!(open(&master, "kid-1", &nonce, &sealed).unwrap(), pem);
        assert!(open(&[4u8; 32], "kid-1", &nonce, &sealed).is_err());
        assert!(open(&master, "kid-2", &nonce, &sealed).is_err());
        assert!(open(&master, "kid-1", &nonce[..4], &sealed).is_err());
    }
}
