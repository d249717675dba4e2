//! Ministry clients: created and revoked by the office's operators with the
//! `shikaku ministry-clients` command; the secret (256 random bits) is shown
//! once and stored only as a keyed hash (see `secrets`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::{PgPool, Row};

use super::secrets::{ClientSecrets, Verdict};
use super::ALL_SCOPES;

/// Why a client could not be created or changed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("unknown ministry {0}: one of {1}")]
    UnknownMinistry(String, String),
    #[error("unknown scope {0}: scopes are {1}")]
    UnknownScope(String, String),
    #[error("the name must be 1 to 200 characters")]
    Name,
    #[error("no active client {0}")]
    NotFound(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A ministry client as listed (never its secret).
#[derive(Debug, Clone)]
pub struct MinistryClient {
    pub id: String,
    pub ministry_code: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new client's id and its secret, shown once.
#[derive(Debug)]
pub struct Created {
    pub id: String,
    pub secret: String,
}

fn random(bytes: usize) -> Vec<u8> {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    b
}

/// Creates a client of `ministry` with `scopes` (all when empty).
pub async fn create(
    pool: &PgPool,
    secrets: &ClientSecrets,
    ministry: &str,
    name: &str,
    scopes: &[String],
) -> Result<Created, ClientError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ClientError::Name);
    }
    let known: Vec<String> = sqlx::query_scalar("SELECT code FROM ministries ORDER BY code")
        .fetch_all(pool)
        .await?;
    if !known.iter().any(|m| m == ministry) {
        return Err(ClientError::UnknownMinistry(
            ministry.into(),
            known.join(", "),
        ));
    }
    let mut granted: Vec<String> = Vec::new();
    for s in scopes {
        if !ALL_SCOPES.contains(&s.as_str()) {
            return Err(ClientError::UnknownScope(s.clone(), ALL_SCOPES.join(", ")));
        }
        if !granted.contains(s) {
            granted.push(s.clone());
        }
    }
    if granted.is_empty() {
        granted = ALL_SCOPES.iter().map(|s| s.to_string()).collect();
    }
    let id = format!("mc_{}", hex_lower(&random(12)));
    let secret = URL_SAFE_NO_PAD.encode(random(32));
    let secret_hash = secrets.hash(&secret);
    sqlx::query(
        "INSERT INTO ministry_clients (id, ministry_code, name, secret_hash, scopes)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(ministry)
    .bind(name)
    .bind(secret_hash)
    .bind(&granted)
    .execute(pool)
    .await?;
    Ok(Created { id, secret })
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_row(r: &sqlx::postgres::PgRow) -> MinistryClient {
    MinistryClient {
        id: r.get("id"),
        ministry_code: r.get("ministry_code"),
        name: r.get("name"),
        scopes: r.get("scopes"),
        created_at: r.get("created_at"),
        revoked_at: r.get("revoked_at"),
    }
}

/// Every client, oldest first, revoked ones included.
pub async fn list(pool: &PgPool) -> Result<Vec<MinistryClient>, ClientError> {
    let rows = sqlx::query(
        "SELECT id, ministry_code, name, scopes, created_at, revoked_at
         FROM ministry_clients ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Revokes a client: its secret and every token it holds stop working.
pub async fn revoke(pool: &PgPool, id: &str) -> Result<(), ClientError> {
    let done = sqlx::query(
        "UPDATE ministry_clients SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ClientError::NotFound(id.into()));
    }
    Ok(())
}

/// What an active client may do, read from its row at every request: its
/// ministry and its scopes. `None` when it is unknown or revoked.
pub async fn grant(pool: &PgPool, id: &str) -> Result<Option<(String, Vec<String>)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT ministry_code, scopes FROM ministry_clients WHERE id = $1 AND revoked_at IS NULL",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.ministry_code, r.scopes)))
}

/// The active client `id` if `secret` is its secret. An unknown id costs the
/// same keyed hash as a wrong secret; a legacy Argon2id hash is checked only
/// when `legacy` allows (the caller is within its failed-attempt limit) and,
/// when it matches, replaced by the keyed hash.
pub async fn authenticate(
    pool: &PgPool,
    secrets: &ClientSecrets,
    id: &str,
    secret: &str,
    legacy: bool,
) -> Result<Option<MinistryClient>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, ministry_code, name, scopes, created_at, revoked_at, secret_hash
         FROM ministry_clients WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let stored: Option<String> = row.as_ref().map(|r| r.get("secret_hash"));
    match secrets.verify(stored.as_deref(), secret, legacy).await {
        Verdict::Mismatch => Ok(None),
        Verdict::Matches => Ok(row.as_ref().map(from_row)),
        Verdict::MatchesUpgrade(keyed) => {
            // Only if nobody changed it meanwhile (a concurrent upgrade
            // writes the same value anyway).
            sqlx::query!(
                "UPDATE ministry_clients SET secret_hash = $2 WHERE id = $1 AND secret_hash = $3",
                id,
                keyed,
                stored
            )
            .execute(pool)
            .await?;
            Ok(row.as_ref().map(from_row))
        }
    }
}
