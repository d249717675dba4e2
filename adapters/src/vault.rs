//! The My Number vault: AES-256-GCM encrypted numbers found by an HMAC token.
//! Events carry only the row id; every reveal is audited. Each ciphertext
//! binds its row id as AES-GCM associated data, so one copied into another
//! row does not decrypt. Shredding removes the ciphertext and the token.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use domain::my_number::MyNumber;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use eventstore::ProjectionError;

type HmacSha256 = Hmac<Sha256>;

/// A number stored in the vault: its row, and whether this store inserted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// The opaque reference events carry.
    pub id: Uuid,
    /// True when the row is new: no case can refer to it yet, since its id
    /// was drawn at random by this store.
    pub new: bool,
}

/// The cipher version of rows whose ciphertext binds the row id as
/// associated data; version 1 (before it) is read, and re-encrypted at start.
const CIPHER_BOUND: i16 = 2;

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

    /// Encrypts a number for the row `id`, which is bound as associated
    /// data: the ciphertext decrypts in that row only.
    fn seal(&self, id: Uuid, number: &str) -> Result<(Vec<u8>, Vec<u8>), ProjectionError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: number.as_bytes(),
            aad: id.as_bytes(),
        };
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| ProjectionError::Vault("encryption failed".into()))?;
        Ok((nonce.to_vec(), ciphertext))
    }

    /// Decrypts a row's ciphertext in the format it was written in.
    fn open(
        &self,
        id: Uuid,
        version: i16,
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<String, ProjectionError> {
        let aad: &[u8] = if version >= CIPHER_BOUND {
            id.as_bytes()
        } else {
            b""
        };
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| ProjectionError::Vault("decryption failed".into()))?;
        String::from_utf8(plain)
            .map_err(|_| ProjectionError::Vault("stored number is corrupt".into()))
    }

    /// Stores a number (or finds it) and returns its opaque reference.
    pub async fn store(&self, number: &MyNumber) -> Result<Uuid, ProjectionError> {
        let mut conn = self.pool.acquire().await?;
        Ok(self.store_in(&mut conn, number).await?.id)
    }

    /// [`Vault::store`] on a connection, so the row commits with the command
    /// that refers to it (no orphan ciphertext when that command fails). The
    /// row stays locked until that transaction ends, so neither a second
    /// application of the same number nor a shredding runs beside it. A
    /// shredded row has no token left: the same number gets a new row.
    pub async fn store_in(
        &self,
        conn: &mut PgConnection,
        number: &MyNumber,
    ) -> Result<Stored, ProjectionError> {
        let new_id = Uuid::new_v4();
        let (nonce, ciphertext) = self.seal(new_id, number.expose())?;
        let id = sqlx::query_scalar!(
            "INSERT INTO my_number_vault (id, lookup_token, nonce, ciphertext, cipher_version)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (lookup_token) DO UPDATE SET lookup_token = EXCLUDED.lookup_token
             RETURNING id",
            new_id,
            self.lookup_token(number),
            nonce,
            ciphertext,
            CIPHER_BOUND,
        )
        .fetch_one(conn)
        .await?;
        // A row already there keeps its id: only a row this call inserted
        // has the id it proposed.
        Ok(Stored {
            id,
            new: id == new_id,
        })
    }

    /// The lookup token stored for a reference: lets the registers be asked
    /// without decrypting (or revealing) the number. None once shredded.
    pub async fn token_of(&self, id: Uuid) -> Result<Option<Vec<u8>>, ProjectionError> {
        let token =
            sqlx::query_scalar!("SELECT lookup_token FROM my_number_vault WHERE id = $1", id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(token.flatten())
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

    /// The reference of a number in the vault (never a shredded row).
    pub async fn find(&self, number: &MyNumber) -> Result<Option<Uuid>, ProjectionError> {
        Ok(sqlx::query_scalar!(
            "SELECT id FROM my_number_vault WHERE lookup_token = $1",
            self.lookup_token(number)
        )
        .fetch_optional(&self.pool)
        .await?)
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
        let Some(row) = sqlx::query!(
            "SELECT nonce, ciphertext, cipher_version FROM my_number_vault WHERE id = $1",
            id
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let (Some(nonce), Some(ciphertext)) = (row.nonce, row.ciphertext) else {
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
        let plain = self.open(id, row.cipher_version, &nonce, &ciphertext)?;
        let number = MyNumber::parse(&plain)
            .map_err(|_| ProjectionError::Vault("stored number is corrupt".into()))?;
        tx.commit().await?;
        Ok(Some(number))
    }

    /// Crypto-shredding: drops the ciphertext and the lookup token, so the
    /// number can neither be recovered nor found, without touching any event.
    pub async fn shred(&self, id: Uuid) -> Result<(), ProjectionError> {
        let mut conn = self.pool.acquire().await?;
        shred_in(&mut conn, id).await
    }

    /// Re-encrypts rows written before ciphertexts were bound to their row
    /// (cipher version 1) as version 2; run at start-up, a batch at a time,
    /// skipping rows another process is converting.
    pub async fn bind_legacy_rows(&self) -> Result<u64, ProjectionError> {
        let mut converted = 0;
        // A row that does not decrypt is left as it is (and said so), so
        // the walk goes by id rather than round again.
        let mut after = Uuid::nil();
        loop {
            let mut tx = self.pool.begin().await?;
            let rows = sqlx::query!(
                "SELECT id, nonce, ciphertext FROM my_number_vault
                 WHERE cipher_version < $1 AND ciphertext IS NOT NULL AND id > $2
                 ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED",
                CIPHER_BOUND,
                after,
            )
            .fetch_all(&mut *tx)
            .await?;
            let Some(last) = rows.last() else {
                return Ok(converted);
            };
            after = last.id;
            for row in rows {
                let (Some(nonce), Some(ciphertext)) = (row.nonce, row.ciphertext) else {
                    continue;
                };
                let Ok(number) = self.open(row.id, 1, &nonce, &ciphertext) else {
                    tracing::warn!(vault_id = %row.id, "a vault row does not decrypt; left unconverted");
                    continue;
                };
                let (nonce, ciphertext) = self.seal(row.id, &number)?;
                sqlx::query!(
                    "UPDATE my_number_vault SET nonce = $2, ciphertext = $3, cipher_version = $4
                     WHERE id = $1",
                    row.id,
                    nonce,
                    ciphertext,
                    CIPHER_BOUND,
                )
                .execute(&mut *tx)
                .await?;
                converted += 1;
            }
            tx.commit().await?;
        }
    }
}

/// [`Vault::shred`] on a connection (the retention job's transaction, which
/// holds the row's lock); a shredded row stays as it is.
pub async fn shred_in(conn: &mut PgConnection, id: Uuid) -> Result<(), ProjectionError> {
    sqlx::query!(
        "UPDATE my_number_vault
         SET ciphertext = NULL, lookup_token = NULL, nonce = NULL, shredded_at = now()
         WHERE id = $1 AND shredded_at IS NULL",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks a vault row for the rest of the transaction (as storing the same
/// number does); true while it is not shredded, None for an unknown id.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<bool>, ProjectionError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT shredded_at IS NULL AS "live!" FROM my_number_vault WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await?)
}

/// The registrations whose events name a vault row (an application's number
/// or a holder's link), read from the events: the truth, never a view that
/// may lag. Read after [`lock`] or a store, so none committed since is missed.
pub async fn referrers(conn: &mut PgConnection, id: Uuid) -> Result<Vec<Uuid>, ProjectionError> {
    let ids = sqlx::query_scalar!(
        r#"SELECT DISTINCT aggregate_id AS "id!" FROM events
           WHERE aggregate_type = 'QualificationRegistration'
             AND event_type IN ('ApplicationSubmitted', 'HolderLinked')
             AND coalesce(payload -> 'ApplicationSubmitted' ->> 'my_number_ref',
                          payload -> 'HolderLinked' ->> 'my_number_ref') = $1"#,
        id.to_string()
    )
    .fetch_all(conn)
    .await?;
    ids.iter()
        .map(|s| Uuid::parse_str(s).map_err(|e| ProjectionError::Vault(e.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://unused@127.0.0.1/unused")
            .expect("a lazy pool connects to nothing");
        Vault::new(pool, [0x11; 32])
    }

    #[tokio::test]
    async fn a_ciphertext_opens_only_in_its_row_and_old_rows_still_open() {
        let vault = vault();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let (nonce, sealed) = vault.seal(a, "123456789018").unwrap();
        assert_eq!(
            vault.open(a, CIPHER_BOUND, &nonce, &sealed).unwrap(),
            "123456789018"
        );
        assert!(
            vault.open(b, CIPHER_BOUND, &nonce, &sealed).is_err(),
            "bound to a"
        );
        // Version 1: written without associated data, before binding.
        let legacy = vault
            .cipher
            .encrypt(Nonce::from_slice(&nonce), b"123456789018".as_slice())
            .unwrap();
        assert_eq!(vault.open(b, 1, &nonce, &legacy).unwrap(), "123456789018");
        assert!(vault.open(b, CIPHER_BOUND, &nonce, &legacy).is_err());
    }
}
