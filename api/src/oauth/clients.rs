//! Ministry clients: created and revoked by the office's operators with the
//! `shikaku ministry-clients` command; the secret is shown once and stored
//! only as an Argon2id hash.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::{PgPool, Row};

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
    #[error("hashing the secret failed: {0}")]
    Hash(String),
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

fn hash(secret: &str) -> Result<String, ClientError> {
    let salt = SaltString::encode_b64(&random(16)).map_err(|e| ClientError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ClientError::Hash(e.to_string()))
}

/// Creates a client of `ministry` with `scopes` (all when empty).
pub async fn create(
    pool: &PgPool,
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
    let secret_hash = {
        let secret = secret.clone();
        tokio::task::spawn_blocking(move || hash(&secret))
            .await
            .map_err(|e| ClientError::Hash(e.to_string()))??
    };
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

/// Whether `id` names a client that is not revoked.
pub async fn active(pool: &PgPool, id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM ministry_clients WHERE id = $1 AND revoked_at IS NULL)",
    )
    .bind(id)
    .fetch_one(pool)
    .await
}

/// The active client `id` if `secret` is its secret. An unknown id costs the
/// same hash as a wrong secret, so timing does not tell which ids exist.
pub async fn authenticate(
    pool: &PgPool,
    id: &str,
    secret: &str,
) -> Result<Option<MinistryClient>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, ministry_code, name, scopes, created_at, revoked_at, secret_hash
         FROM ministry_clients WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let stored: Option<String> = row.as_ref().map(|r| r.get("secret_hash"));
    let secret = secret.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        let dummy;
        let phc = match &stored {
            Some(h) => h.as_str(),
            None => {
                dummy = hash("not a secret").unwrap_or_default();
                dummy.as_str()
            }
        };
        let ok = PasswordHash::new(phc)
            .map(|h| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && stored.is_some()
    })
    .await
    .unwrap_or(false);
    Ok(matches.then(|| row.as_ref().map(from_row)).flatten())
}
