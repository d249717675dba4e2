//! The My Number vault: AES-256-GCM encrypted numbers found by an HMAC token.
//! Events carry only the row id; every reveal is audited.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use domain::my_number::MyNumber;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use eventstore::ProjectionError;

type HmacSha256 = Hmac<Sha256>;

/// The vault over its table; the master key never leaves this struct.
#[derive(Clone)]
pub struct Vault {
    pool: PgPool,
    cipher: Aes256Gcm,
    token_key: [u8; 32],
}

/// Derives a purpose-specific key so the cipher and the token never share one.
fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Vault {
    /// A vault keyed by a 32-byte master key.
    pub fn new(pool: PgPool, master_key: [u8; 32]) -> Self {
        let enc = derive(&master_key, b"shikaku vault encryption v1");
        Self {
            pool,
            cipher: Aes256Gcm::new(&enc.into()),
            token_key: derive(&master_key, b"shikaku vault lookup token v1"),
        }
    }

    /// The HMAC lookup token of a number: equal numbers, equal tokens.
    pub fn lookup_token(&self, number: &MyNumber) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.token_key)
            .expect("HMAC takes any key length");
        mac.update(number.expose().as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Stores a number (or finds it) and returns its opaque reference.
    pub async fn store(&self, number: &MyNumber) -> Result<Uuid, ProjectionError> {
        let mut conn = self.pool.acquire().await?;
        self.store_in(&mut conn, number).await
    }

    /// [`Vault::store`] on a connection, so the row commits with the command
    /// that refers to it (no orphan ciphertext when that command fails).
    pub async fn store_in(
        &self,
        conn: &mut PgConnection,
        number: &MyNumber,
    ) -> Result<Uuid, ProjectionError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), number.expose().as_bytes())
            .map_err(|_| ProjectionError::Vault("encryption failed".into()))?;
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO my_number_vault (id, lookup_token, nonce, ciphertext) VALUES ($1, $2, $3, $4)
             ON CONFLICT (lookup_token) DO UPDATE
               SET nonce = CASE WHEN my_number_vault.ciphertext IS NULL THEN EXCLUDED.nonce ELSE my_number_vault.nonce END,
                   ciphertext = coalesce(my_number_vault.ciphertext, EXCLUDED.ciphertext),
                   shredded_at = NULL
             RETURNING id",
        )
        .bind(Uuid::new_v4())
        .bind(self.lookup_token(number))
        .bind(&nonce[..])
        .bind(ciphertext)
        .fetch_one(conn)
        .await?;
        Ok(id)
    }

    /// The lookup token stored for a reference: lets the registers be asked
    /// without decrypting (or revealing) the number.
    pub async fn token_of(&self, id: Uuid) -> Result<Option<Vec<u8>>, ProjectionError> {
        Ok(
            sqlx::query_scalar("SELECT lookup_token FROM my_number_vault WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// [`Vault::token_of`] for asking the national registers about case
    /// `case_id`: the use of the holder's number is recorded as `who`
    /// (INQUIRE_REGISTERS, with the case and the entry) before the token is
    /// handed out, so the holder's access log shows it.
    pub async fn token_for_inquiry(
        &self,
        id: Uuid,
        case_id: Uuid,
        who: &crate::audit::Accessor,
    ) -> Result<Option<Vec<u8>>, ProjectionError> {
        let Some(token) = self.token_of(id).await? else {
            return Ok(None);
        };
        let action = crate::audit::AuditAction::InquireRegisters;
        crate::audit::record(&self.pool, who, action, Some(case_id), Some(id)).await?;
        Ok(Some(token))
    }

    /// The reference of a number already in the vault.
    pub async fn find(&self, number: &MyNumber) -> Result<Option<Uuid>, ProjectionError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM my_number_vault WHERE lookup_token = $1")
                .bind(self.lookup_token(number))
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Decrypts a number for a stated purpose and records who asked, why,
    /// when and for which case (so the holder's access log shows it), in the
    /// vault's reveal log and the audit log, in the same transaction as the
    /// read. None when the reference is unknown or its number was shredded.
    pub async fn reveal(
        &self,
        id: Uuid,
        case_id: Uuid,
        who: &crate::audit::Accessor,
    ) -> Result<Option<MyNumber>, ProjectionError> {
        let revealed_by = who.actor.as_str();
        let purpose = who.purpose.as_deref().unwrap_or("");
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query("SELECT nonce, ciphertext FROM my_number_vault WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let nonce: Vec<u8> = row.get("nonce");
        let Some(ciphertext) = row.get::<Option<Vec<u8>>, _>("ciphertext") else {
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO my_number_reveals (vault_id, revealed_by, purpose) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(revealed_by)
        .bind(purpose)
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            who,
            crate::audit::AuditAction::RevealMyNumber,
            Some(case_id),
            Some(id),
        )
        .await?;
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice())
            .map_err(|_| ProjectionError::Vault("decryption failed".into()))?;
        let number = String::from_utf8(plain)
            .ok()
            .and_then(|s| MyNumber::parse(&s).ok())
            .ok_or_else(|| ProjectionError::Vault("stored number is corrupt".into()))?;
        tx.commit().await?;
        Ok(Some(number))
    }

    /// Crypto-shredding: drops the ciphertext so the number is unrecoverable,
    /// without touching any event.
    pub async fn shred(&self, id: Uuid) -> Result<(), ProjectionError> {
        sqlx::query(
            "UPDATE my_number_vault SET ciphertext = NULL, shredded_at = now() WHERE id = $1",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
