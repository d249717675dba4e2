//! Offers: created for the holder, redeemed once at the token endpoint with
//! the transaction code, locked after [`MAX_TX_CODE_TRIES`] wrong codes.

use chrono::{DateTime, Utc};
use eventstore::ProjectionError;
use rand::Rng;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::{
    digest, random_secret, MAX_TX_CODE_TRIES, OFFER_LIFETIME, TOKEN_LIFETIME, TX_CODE_LENGTH,
};

/// A new offer with its secrets in the clear (shown once, never stored).
#[derive(Debug, Clone)]
pub struct NewOffer {
    pub id: Uuid,
    pub pre_authorized_code: String,
    pub tx_code: String,
    pub expires_at: DateTime<Utc>,
}

fn tx_code_digest(offer_id: Uuid, tx_code: &str) -> Vec<u8> {
    digest(&format!("{offer_id}:{tx_code}"))
}

/// Records a new offer of `configuration_id` for `owner`'s registration, on
/// `conn`'s transaction (the caller tells the holder its code in the same one).
pub async fn create(
    conn: &mut PgConnection,
    registration_id: Uuid,
    owner: &str,
    configuration_id: &str,
) -> Result<NewOffer, ProjectionError> {
    let id = Uuid::new_v4();
    let pre_authorized_code = random_secret();
    let tx_code = format!(
        "{:0width$}",
        rand::rng().random_range(0..10u32.pow(TX_CODE_LENGTH as u32)),
        width = TX_CODE_LENGTH
    );
    let expires_at = Utc::now() + OFFER_LIFETIME;
    sqlx::query(
        "INSERT INTO credential_offers
           (id, registration_id, owner, configuration_id, code_hash, tx_code_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(registration_id)
    .bind(owner)
    .bind(configuration_id)
    .bind(digest(&pre_authorized_code))
    .bind(tx_code_digest(id, &tx_code))
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(NewOffer {
        id,
        pre_authorized_code,
        tx_code,
        expires_at,
    })
}

/// Why a pre-authorized code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No offer has this code.
    UnknownCode,
    Expired,
    /// The code was redeemed before (codes are single-use).
    AlreadyUsed,
    /// Too many wrong transaction codes.
    Locked,
    /// A wrong (or missing) transaction code; `tries_left` before the lock.
    WrongTxCode {
        tries_left: i32,
    },
}

/// A redeemed offer: the access token for one credential request.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub offer_id: Uuid,
    pub configuration_id: String,
    pub access_token: String,
    pub expires_in: i64,
}

/// Redeems a pre-authorized code with its transaction code. A wrong code
/// counts (and commits) even though the answer is a refusal.
pub async fn redeem(
    pool: &PgPool,
    code: &str,
    tx_code: Option<&str>,
) -> Result<Result<Redeemed, Refusal>, ProjectionError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "SELECT id, configuration_id, tx_code_hash, failed_attempts, expires_at, redeemed_at, locked_at
         FROM credential_offers WHERE code_hash = $1 FOR UPDATE",
    )
    .bind(digest(code))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(Refusal::UnknownCode));
    };
    let id: Uuid = row.get("id");
    let refusal = if row.get::<Option<DateTime<Utc>>, _>("locked_at").is_some() {
        Some(Refusal::Locked)
    } else if row.get::<Option<DateTime<Utc>>, _>("redeemed_at").is_some() {
        Some(Refusal::AlreadyUsed)
    } else if row.get::<DateTime<Utc>, _>("expires_at") <= Utc::now() {
        Some(Refusal::Expired)
    } else {
        None
    };
    if let Some(refusal) = refusal {
        return Ok(Err(refusal));
    }
    let expected: Vec<u8> = row.get("tx_code_hash");
    if tx_code.map(|c| tx_code_digest(id, c.trim())) != Some(expected) {
        let failed: i32 = row.get::<i32, _>("failed_attempts") + 1;
        sqlx::query(
            "UPDATE credential_offers SET failed_attempts = $2,
                    locked_at = CASE WHEN $2 >= $3 THEN now() END
             WHERE id = $1",
        )
        .bind(id)
        .bind(failed)
        .bind(MAX_TX_CODE_TRIES)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Err(Refusal::WrongTxCode {
            tries_left: (MAX_TX_CODE_TRIES - failed).max(0),
        }));
    }
    sqlx::query("UPDATE credential_offers SET redeemed_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let access_token = random_secret();
    sqlx::query(
        "INSERT INTO credential_access_tokens (token_hash, offer_id, expires_at)
         VALUES ($1, $2, $3)",
    )
    .bind(digest(&access_token))
    .bind(id)
    .bind(Utc::now() + TOKEN_LIFETIME)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(Redeemed {
        offer_id: id,
        configuration_id: row.get("configuration_id"),
        access_token,
        expires_in: TOKEN_LIFETIME.num_seconds(),
    }))
}
