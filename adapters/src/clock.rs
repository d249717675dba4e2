//! The test clock's offset in Postgres: one row, so that every process (the
//! API, `shikaku worker`, a replica) and a restarted one agree on the
//! application's time. Moving it notifies `app_clock`, which every process
//! follows, and wakes the job workers, whose due comparisons read the same
//! row through the SQL function `app_now()`.

use chrono::Duration;
use domain::Clock;
use sqlx::PgPool;

/// The channel a moved clock is announced on.
pub const CLOCK_CHANNEL: &str = "app_clock";
/// The job workers' wake-up channel (`workers::jobs::JOBS_CHANNEL`).
const JOBS_CHANNEL: &str = "shikaku_jobs";

/// How far the application's clock runs ahead of the real time.
pub async fn offset(pool: &PgPool) -> Result<Duration, sqlx::Error> {
    let seconds: Option<i64> = sqlx::query_scalar("SELECT offset_seconds FROM app_clock")
        .fetch_optional(pool)
        .await?;
    Ok(Duration::seconds(seconds.unwrap_or(0)))
}

/// Moves the application's clock `days` forward (never back: what already
/// happened stays in the past) and tells every process; returns the new offset.
pub async fn advance(pool: &PgPool, days: u32) -> Result<Duration, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let seconds: i64 = sqlx::query_scalar(
        "UPDATE app_clock SET offset_seconds = offset_seconds + $1, updated_at = now()
         RETURNING offset_seconds",
    )
    .bind(i64::from(days) * 86_400)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("SELECT pg_notify($1, ''), pg_notify($2, '')")
        .bind(CLOCK_CHANNEL)
        .bind(JOBS_CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Duration::seconds(seconds))
}

/// Sets `clock` from the database now, then keeps it in step with every
/// move announced on [`CLOCK_CHANNEL`] until nobody else holds the clock.
pub async fn follow(pool: &PgPool, clock: &Clock) -> Result<(), sqlx::Error> {
    clock.set_offset(offset(pool).await?);
    eventstore::wake::follow(pool, CLOCK_CHANNEL, clock.clone(), Clock::shared, reread).await
}

async fn reread(pool: PgPool, clock: Clock) {
    match offset(&pool).await {
        Ok(o) => clock.set_offset(o),
        Err(e) => tracing::warn!(error = %e, "cannot read the clock's offset"),
    }
}
