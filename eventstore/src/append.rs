//! The events table as the command side uses it: an aggregate's events read
//! and new ones appended inside the command's transaction, one statement each.

use std::collections::HashMap;
use std::sync::Arc;

use cqrs_es::{Aggregate, DomainEvent};
use sqlx::{PgConnection, Postgres, Transaction};
use tokio::sync::Mutex;

use crate::store::HistoryEntry;

/// A command's transaction: owned, so it can outlive the handler's borrow.
pub type Tx = Transaction<'static, Postgres>;

tokio::task_local! {
    /// The transaction of the command being handled, for the services that
    /// must write in it (the registration-number allocator): a number taken
    /// there is only spent if the events that carry it commit.
    static COMMAND_TX: Arc<Mutex<Tx>>;
}

/// Runs `handle` with `tx` reachable through [`command_tx`]; gives it back.
pub(crate) async fn with_command_tx<T>(
    tx: Tx,
    handle: impl std::future::Future<Output = T>,
) -> (Tx, T) {
    let shared = Arc::new(Mutex::new(tx));
    let out = COMMAND_TX.scope(shared.clone(), handle).await;
    // The scope is over, so the only other clone is gone.
    let Ok(tx) = Arc::try_unwrap(shared) else {
        unreachable!("the command transaction escaped its scope")
    };
    (tx.into_inner(), out)
}

/// The transaction of the command this task is handling, if it is one.
pub fn command_tx() -> Option<Arc<Mutex<Tx>>> {
    COMMAND_TX.try_with(Arc::clone).ok()
}

/// An aggregate rebuilt from its events, with the timeline they make.
pub(crate) struct Loaded<A> {
    pub aggregate: A,
    pub version: usize,
    pub history: Vec<HistoryEntry>,
}

/// Reads and applies an aggregate's events (one statement).
pub(crate) async fn load<A: Aggregate>(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Loaded<A>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT sequence, event_type, payload, recorded_at FROM events
         WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
        A::TYPE,
        id,
    )
    .fetch_all(conn)
    .await?;
    let mut loaded = Loaded::default();
    for row in rows {
        loaded.apply(row.sequence, row.event_type, row.payload, row.recorded_at)?;
    }
    Ok(loaded)
}

/// Reads and applies the events of several aggregates of one type (one
/// statement); an id without events is left out.
pub(crate) async fn load_many<A: Aggregate>(
    conn: &mut PgConnection,
    ids: &[String],
) -> Result<HashMap<String, Loaded<A>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT aggregate_id AS "aggregate_id!", sequence, event_type, payload, recorded_at
         FROM events WHERE aggregate_type = $1 AND aggregate_id = ANY($2)
         ORDER BY aggregate_id, sequence"#,
        A::TYPE,
        ids,
    )
    .fetch_all(conn)
    .await?;
    let mut loaded: HashMap<String, Loaded<A>> = HashMap::new();
    for row in rows {
        loaded.entry(row.aggregate_id).or_default().apply(
            row.sequence,
            row.event_type,
            row.payload,
            row.recorded_at,
        )?;
    }
    Ok(loaded)
}

impl<A: Aggregate> Default for Loaded<A> {
    fn default() -> Self {
        Self {
            aggregate: A::default(),
            version: 0,
            history: Vec::new(),
        }
    }
}

impl<A: Aggregate> Loaded<A> {
    /// Applies the next stored event.
    fn apply(
        &mut self,
        sequence: i64,
        event_type: String,
        payload: serde_json::Value,
        recorded_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), sqlx::Error> {
        self.history.push(HistoryEntry {
            sequence,
            change_request_id: request_id(&payload, &event_type),
            event_type,
            recorded_at,
        });
        let event: A::Event =
            serde_json::from_value(payload).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        self.aggregate.apply(event);
        self.version = sequence as usize;
        Ok(())
    }
}

/// The change request an event names (its `request_id`), as the timeline shows it.
fn request_id(payload: &serde_json::Value, event_type: &str) -> Option<String> {
    payload
        .get(event_type)?
        .get("request_id")?
        .as_str()
        .map(str::to_owned)
}

/// An event as the events table stores it: its type, version and payload
/// text, with the change request it names.
struct Encoded {
    event_type: String,
    event_version: String,
    payload: String,
    request_id: Option<String>,
}

fn encode<E: DomainEvent>(event: &E) -> Result<Encoded, sqlx::Error> {
    let payload = serde_json::to_value(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let event_type = event.event_type();
    Ok(Encoded {
        request_id: request_id(&payload, &event_type),
        event_type,
        event_version: event.event_version(),
        payload: payload.to_string(),
    })
}

fn metadata_text(metadata: &HashMap<String, String>) -> Result<String, sqlx::Error> {
    serde_json::to_string(metadata).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Appends events after `version` in one statement; a concurrent append at
/// the same sequence fails the statement with a unique violation.
pub(crate) async fn append<A: Aggregate>(
    conn: &mut PgConnection,
    id: &str,
    version: usize,
    events: &[A::Event],
    metadata: &HashMap<String, String>,
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let mut sequences = Vec::with_capacity(events.len());
    let mut types = Vec::with_capacity(events.len());
    let mut versions = Vec::with_capacity(events.len());
    let mut payloads = Vec::with_capacity(events.len());
    let mut request_ids = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let encoded = encode(event)?;
        request_ids.push(encoded.request_id);
        sequences.push((version + 1 + i) as i64);
        types.push(encoded.event_type);
        versions.push(encoded.event_version);
        payloads.push(encoded.payload);
    }
    let metadata = metadata_text(metadata)?;
    // The payloads and the metadata go in as text and are cast there, so
    // the stored JSON is the text serde_json wrote.
    let recorded = sqlx::query!(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata)
         SELECT $1, $2, e.sequence, e.event_type, e.event_version, e.payload::json, $7::text::json
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[])
              AS e(sequence, event_type, event_version, payload)
         ORDER BY e.sequence
         RETURNING sequence, recorded_at",
        A::TYPE,
        id,
        &sequences,
        &types,
        &versions,
        &payloads,
        metadata,
    )
    .fetch_all(conn)
    .await?;
    let mut history: Vec<HistoryEntry> = recorded
        .into_iter()
        .map(|r| {
            let i = (r.sequence as usize) - version - 1;
            HistoryEntry {
                sequence: r.sequence,
                event_type: types[i].clone(),
                recorded_at: r.recorded_at,
                change_request_id: request_ids[i].clone(),
            }
        })
        .collect();
    history.sort_by_key(|h| h.sequence);
    Ok(history)
}

/// New events of one aggregate: those after `version`, in order.
pub(crate) struct Appended<E> {
    pub id: String,
    pub version: usize,
    pub events: Vec<E>,
}

/// Appends the events of several aggregates of one type in one statement,
/// in the order given; a concurrent append at one of their sequences fails
/// the whole statement with a unique violation, as [`append`] does.
pub(crate) async fn append_many<A: Aggregate>(
    conn: &mut PgConnection,
    appended: &[Appended<A::Event>],
    metadata: &HashMap<String, String>,
) -> Result<(), sqlx::Error> {
    let (mut ids, mut sequences, mut types, mut versions, mut payloads) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for batch in appended {
        for (i, event) in batch.events.iter().enumerate() {
            let encoded = encode(event)?;
            ids.push(batch.id.as_str());
            sequences.push((batch.version + 1 + i) as i64);
            types.push(encoded.event_type);
            versions.push(encoded.event_version);
            payloads.push(encoded.payload);
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata)
         SELECT $1, e.aggregate_id, e.sequence, e.event_type, e.event_version, e.payload::json,
                $7::text::json
         FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])
              WITH ORDINALITY AS e(aggregate_id, sequence, event_type, event_version, payload, n)
         ORDER BY e.n",
    )
    .bind(A::TYPE)
    .bind(&ids)
    .bind(&sequences)
    .bind(&types)
    .bind(&versions)
    .bind(&payloads)
    .bind(metadata_text(metadata)?)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the database refused a statement because a concurrent
/// transaction won: the same sequence appended, a deadlock, a serialization failure.
pub(crate) fn lost_race(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some("23505" | "40P01" | "40001"))
        }
        _ => false,
    }
}
