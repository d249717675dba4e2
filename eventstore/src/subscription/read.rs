//! The batch read: the checkpoint locked and the events after it, below the
//! guard of running transactions (see the parent module), in one statement.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::StoredEvent;
use crate::ProjectionError;

/// What a batch's connection calls itself while the batch runs.
const BATCH_APPLICATION_NAME: &str = "shikaku subscription batch";

/// Locks the checkpoint (None when another runner holds it) and reads the
/// batch after it, in one statement.
///
/// The batch commits without waiting for its WAL flush: a crash can lose
/// only whole batches, checkpoint included, and those are applied again.
/// Nothing leaves the system on the strength of a batch alone: a job it
/// queues is claimed by a transaction whose own (flushed) commit makes the
/// batch durable before the job runs.
pub(super) async fn read_batch(
    conn: &mut PgConnection,
    name: &str,
    limit: i64,
) -> Result<Option<Vec<StoredEvent>>, ProjectionError> {
    // The event's columns come from the LEFT JOIN: NULL on the row that only
    // says the checkpoint was locked (no event after it).
    let rows = sqlx::query!(
        r#"WITH c AS (SELECT last_transaction_id, last_global_position FROM subscription_checkpoints
                    WHERE name = $1 FOR UPDATE SKIP LOCKED),
              s AS (SELECT pg_current_snapshot() AS snap,
                           set_config('application_name', $3, true) AS marked,
                           set_config('synchronous_commit', 'off', true) AS unflushed),
              -- the oldest transaction still running that is not a batch;
              -- a batch that ended after the snapshot counts as running
              g AS (SELECT coalesce(
                      (SELECT min(x) FROM s, pg_snapshot_xip(s.snap) x
                       WHERE x::text::bigint % 4294967296 NOT IN
                             (SELECT backend_xid::text::bigint FROM pg_stat_activity
                              WHERE application_name = $3 AND backend_xid IS NOT NULL)),
                      (SELECT pg_snapshot_xmax(snap) FROM s WHERE marked IS NOT NULL)) AS guard)
         SELECT true AS "locked!", e.global_position AS "global_position?",
                e.transaction_id::text AS "txid?", e.aggregate_type AS "aggregate_type?",
                e.aggregate_id AS "aggregate_id?", e.sequence AS "sequence?",
                e.event_type AS "event_type?", e.payload::text AS "payload?",
                e.recorded_at AS "recorded_at?"
         FROM c CROSS JOIN g LEFT JOIN LATERAL (
             SELECT * FROM events
             WHERE (transaction_id, global_position) > (c.last_transaction_id, c.last_global_position)
               AND transaction_id < g.guard
             ORDER BY transaction_id, global_position
             LIMIT $2) e ON true"#,
        name,
        limit,
        BATCH_APPLICATION_NAME,
    )
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut events: Vec<StoredEvent> = rows
        .into_iter()
        .filter_map(|r| {
            Some(StoredEvent {
                global_position: r.global_position?,
                transaction_id: r.txid?,
                aggregate_type: r.aggregate_type?,
                aggregate_id: r.aggregate_id?,
                sequence: r.sequence?,
                event_type: r.event_type?,
                payload: r.payload?.into(),
                recorded_at: r.recorded_at?,
            })
        })
        .collect();
    in_commit_order(&mut events);
    Ok(Some(events))
}

/// Sorted here rather than by a second sort of the (wide) rows in the
/// database; xid8 text is a decimal u64.
fn in_commit_order(events: &mut [StoredEvent]) {
    let key = |e: &StoredEvent| {
        (
            e.transaction_id.parse::<u64>().unwrap_or(u64::MAX),
            e.global_position,
        )
    };
    // They come in order in practice: one pass instead of a sort that
    // parses two ids per comparison (a rebuild reads millions).
    if events.windows(2).any(|w| key(&w[0]) > key(&w[1])) {
        events.sort_by_cached_key(key);
    }
}

/// Where a checkpoint stands: the last event's transaction id (as text) and
/// global position.
pub(super) type Position = (String, i64);

/// An event's columns as [`read_after`] reads them.
type EventRow = (
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    DateTime<Utc>,
);

/// Locks the checkpoint for this batch's transaction (None when another
/// runner holds it) and marks the transaction as a batch, as [`read_batch`]
/// does; the events are then read with [`read_after`].
pub(super) async fn lock_checkpoint(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<Position>, ProjectionError> {
    Ok(sqlx::query_as(
        "SELECT c.last_transaction_id::text, c.last_global_position
         FROM subscription_checkpoints c,
              (SELECT set_config('application_name', $2, true) AS marked,
                      set_config('synchronous_commit', 'off', true) AS unflushed) s
         WHERE c.name = $1 AND s.marked IS NOT NULL AND s.unflushed IS NOT NULL
         FOR UPDATE OF c SKIP LOCKED",
    )
    .bind(name)
    .bind(BATCH_APPLICATION_NAME)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The guard of running transactions (see [`read_batch`]): the oldest
/// transaction still running that is not a batch.
const GUARD: &str = "WITH s AS (SELECT pg_current_snapshot() AS snap),
      g AS (SELECT coalesce(
              (SELECT min(x) FROM s, pg_snapshot_xip(s.snap) x
               WHERE x::text::bigint % 4294967296 NOT IN
                     (SELECT backend_xid::text::bigint FROM pg_stat_activity
                      WHERE application_name = $1 AND backend_xid IS NOT NULL)),
              (SELECT pg_snapshot_xmax(snap) FROM s)) AS guard)";

/// The newest event below the guard: nothing after it can be read yet
/// (the start, `('0', 0)`, when there is none).
pub(super) async fn head(conn: &mut PgConnection) -> Result<Position, ProjectionError> {
    let newest: Option<Position> = sqlx::query_as(&format!(
        "{GUARD}
         SELECT e.transaction_id::text, e.global_position
         FROM g CROSS JOIN LATERAL (
             SELECT transaction_id, global_position FROM events
             WHERE transaction_id < g.guard
             ORDER BY transaction_id DESC, global_position DESC LIMIT 1) e"
    ))
    .bind(BATCH_APPLICATION_NAME)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(newest.unwrap_or_else(|| ("0".to_string(), 0)))
}

/// Up to `limit` events after `from`, below the guard of running
/// transactions (the same guard as [`read_batch`]'s), in commit order. Also
/// outside a batch's transaction: a catch-up reads the next batch on another
/// connection while it applies this one.
pub(super) async fn read_after(
    conn: &mut PgConnection,
    from: &Position,
    limit: i64,
) -> Result<Vec<StoredEvent>, ProjectionError> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "{GUARD}
         SELECT e.global_position, e.transaction_id::text, e.aggregate_type, e.aggregate_id,
                e.sequence, e.event_type, e.payload::text, e.recorded_at
         FROM g CROSS JOIN LATERAL (
             SELECT * FROM events
             WHERE (transaction_id, global_position) > ($2::text::xid8, $3)
               AND transaction_id < g.guard
             ORDER BY transaction_id, global_position
             LIMIT $4) e"
    ))
    .bind(BATCH_APPLICATION_NAME)
    .bind(&from.0)
    .bind(from.1)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut events: Vec<StoredEvent> = rows
        .into_iter()
        .map(
            |(
                global_position,
                transaction_id,
                aggregate_type,
                aggregate_id,
                sequence,
                event_type,
                payload,
                recorded_at,
            )| StoredEvent {
                global_position,
                transaction_id,
                aggregate_type,
                aggregate_id,
                sequence,
                event_type,
                payload: payload.into(),
                recorded_at,
            },
        )
        .collect();
    in_commit_order(&mut events);
    Ok(events)
}
