//! The lockout shared by the registration link and death notifications:
//! at most [`PER_CALLER`] wrong answers per caller and [`PER_TARGET`] per
//! target registration (across all callers) within [`WINDOW_SECONDS`].
//!
//! Check and record are one step: an attempt is recorded as a failure before
//! it is examined (under a lock per caller and per target), and withdrawn
//! only if it succeeds, so parallel attempts cannot get past the limit.

use sqlx::{PgConnection, Row};

use crate::error::ApiError;
use crate::AppState;

/// Wrong answers one caller may give within the window.
pub const PER_CALLER: i64 = 5;
/// Wrong answers all callers together may give about one registration.
pub const PER_TARGET: i64 = 10;
/// The window, in seconds.
pub const WINDOW_SECONDS: i64 = 15 * 60;

/// An attempt recorded as a failure until [`Attempt::succeeded`] withdraws it.
#[must_use]
pub struct Attempt(i64);

/// The key of a target: the registration as the caller names it, so that it
/// is the same whether the registration exists or not.
pub fn target(qualification_code: &str, registration_number: &str) -> String {
    format!(
        "{}:{}",
        qualification_code.trim(),
        registration_number.trim()
    )
}

/// Seconds until the oldest failure in the window expires, when `limit` is reached.
async fn locked(
    conn: &mut PgConnection,
    column: &str,
    key: &str,
    limit: i64,
) -> Result<Option<u64>, ApiError> {
    // `column` is one of two constants below, never input.
    let row = sqlx::query(&format!(
        "SELECT count(*) AS n,
                extract(epoch FROM min(failed_at) + make_interval(secs => $2) - now())::bigint AS wait
         FROM link_failures
         WHERE {column} = $1 AND failed_at > now() - make_interval(secs => $2)"
    ))
    .bind(key)
    .bind(WINDOW_SECONDS as f64)
    .fetch_one(&mut *conn)
    .await?;
    let failures: i64 = row.get("n");
    let wait: Option<i64> = row.get("wait");
    Ok((failures >= limit).then(|| wait.unwrap_or(WINDOW_SECONDS).max(1) as u64))
}

/// Records an attempt by `principal` on `target`, or answers 429 with the
/// seconds to wait when either limit is reached.
pub async fn attempt(state: &AppState, principal: &str, target: &str) -> Result<Attempt, ApiError> {
    let mut tx = state.pool.begin().await?;
    // Always the caller's lock first, then the target's: no two attempts wait
    // on each other in opposite orders. Two key spaces keep them apart.
    for (space, key) in [(7101, principal), (7102, target)] {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(space)
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    for (column, key, limit) in [
        ("principal", principal, PER_CALLER),
        ("target", target, PER_TARGET),
    ] {
        if let Some(wait) = locked(&mut tx, column, key, limit).await? {
            return Err(ApiError::TooManyRequests(wait));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO link_failures (principal, target) VALUES ($1, $2) RETURNING id",
    )
    .bind(principal)
    .bind(target)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt(id))
}

impl Attempt {
    /// The attempt was right: it is not a failure.
    pub async fn succeeded(self, state: &AppState) -> Result<(), ApiError> {
        sqlx::query("DELETE FROM link_failures WHERE id = $1")
            .bind(self.0)
            .execute(&state.pool)
            .await?;
        Ok(())
    }

    /// The attempt stays counted (a wrong answer, or a notification that
    /// counts whatever it matched).
    pub fn counted(self) {}
}
