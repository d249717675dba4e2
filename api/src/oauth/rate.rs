//! Token buckets in Postgres (`take_rate_quota`), by key: a ministry client's
//! request rate and an address's failed authentications. Every replica takes
//! from the same bucket, so N processes allow the configured rate (not N
//! times it) and a restart forgets nothing. Idle buckets are forgotten by the
//! function itself once they would be full again.

use sqlx::PgPool;

/// How fast a key may call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: f64,
    /// Requests allowed at once after a quiet spell.
    pub burst: f64,
}

/// Takes one request from `bucket` (created full), or answers how many whole
/// seconds until one is available.
pub async fn take(
    pool: &PgPool,
    bucket: &str,
    limit: RateLimit,
) -> Result<Result<(), u64>, sqlx::Error> {
    let wait = sqlx::query_scalar!(
        r#"SELECT wait AS "wait!" FROM take_rate_quota($1, $2, $3)"#,
        bucket,
        limit.per_second,
        limit.burst,
    )
    .fetch_one(pool)
    .await?;
    Ok(if wait <= 0.0 {
        Ok(())
    } else {
        Err(wait.ceil().max(1.0) as u64)
    })
}

/// Gives back a request taken from `bucket` (one that turned out not to count).
pub async fn refund(pool: &PgPool, bucket: &str, limit: RateLimit) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rate_buckets SET tokens = least($2, tokens + 1) WHERE key = $1")
        .bind(bucket)
        .bind(limit.burst)
        .execute(pool)
        .await?;
    Ok(())
}
