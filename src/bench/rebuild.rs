//! The rebuild rate: `shikaku rebuild-projection registration_status` over
//! the run's events, copied under fresh aggregate ids until there are enough,
//! next to the earlier reset and catch-up that keeps the view's indexes;
//! then the examiner queue and the public feed.

use std::sync::Arc;
use std::time::Instant;

use eventstore::subscription::{Subscription, REBUILD_BATCH};
use views::queue::QueueProjection;
use views::status::StatusProjection;
use workers::webhook::PublicFeed;

use super::BoxError;

/// Grows the stream to `events` (set-based copies of the run's applications)
/// and times a reset and catch-up of the status view, as the CLI runs it.
pub async fn rate(pool: &sqlx::PgPool, events: i64) -> Result<(), BoxError> {
    let present: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    if present == 0 {
        return Err("no events to rebuild from".into());
    }
    let copies = (events - present).max(0) / present;
    if copies > 0 {
        let started = Instant::now();
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                                 payload, metadata)
             SELECT e.aggregate_type, md5(e.aggregate_id || c)::uuid::text, e.sequence, e.event_type,
                    e.event_version, e.payload, e.metadata
             FROM generate_series(1, $1::int) AS c, events e
             WHERE e.aggregate_type = 'QualificationRegistration'",
        )
        .bind(copies)
        .execute(pool)
        .await?;
        println!(
            "copied the events {copies} times in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    // As a stream long in place would be: vacuumed, its rows known visible
    // to all. Fresh rows make the first rebuild set their hint bits and
    // race autovacuum, so that rebuild alone ran a fifth slower.
    sqlx::query("VACUUM (FREEZE, ANALYZE) events")
        .execute(pool)
        .await?;
    let status = Subscription::new(pool.clone(), Arc::new(StatusProjection));
    // The earlier way (indexes kept) between two rebuilds, so that neither
    // alone has the warm cache: the figures compare under the same load.
    for kept in [false, true, false] {
        timed(&status, kept).await?;
    }
    // Other views through the same mechanism: every registration is a case
    // in the examiner's queue, and its submission an item of the public feed.
    timed(
        &Subscription::new(pool.clone(), Arc::new(QueueProjection)),
        false,
    )
    .await?;
    let catalogue = domain::catalogue::InForce::new(adapters::catalogue::load(pool).await?);
    timed(
        &Subscription::new(pool.clone(), Arc::new(PublicFeed::new(catalogue))),
        false,
    )
    .await?;
    Ok(())
}

/// One rebuild (or, when `kept`, a reset and catch-up that keeps the view's
/// indexes: the way before rebuilds set them aside), timed and printed with
/// the machine's load (it is shared: the rate moves with it).
async fn timed(sub: &Subscription, kept: bool) -> Result<(), BoxError> {
    let started = Instant::now();
    let n = if kept {
        let plain = sub.clone().with_batch_size(REBUILD_BATCH);
        plain.reset().await?;
        plain.catch_up().await?
    } else {
        sub.rebuild().await?
    };
    let secs = started.elapsed().as_secs_f64();
    let how = if kept {
        format!(
            "reset and catch-up of {}, indexes kept (before)",
            sub.name()
        )
    } else {
        format!("rebuild-projection {}", sub.name())
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?");
    println!(
        "{how}: {n} events in {secs:.2} s = {:.0} events/s (target >= 150,000/s; load {load})",
        n as f64 / secs
    );
    Ok(())
}
