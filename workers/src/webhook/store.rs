//! Webhook subscriptions and their deliveries: what the API creates and lists,
//! and the per-subscription queue the delivery job works through in order.
//!
//! Only the head of a subscription's queue (its oldest undelivered message)
//! has a job. Whoever changes the queue (the producer adding a message, the
//! API adding a test message, the job finishing the head) locks the
//! subscription row and makes sure the head has its job, so a message is
//! never sent before the ones queued earlier, and none is left without a job.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::delivery::DeliverWebhook;
use crate::job_kind::JobArgs;
use crate::jobs::enqueue;
use crate::WorkerError;

/// A ministry's webhook subscription (the secret is not kept in this view).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Uuid,
    pub ministry: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// Since when its deliveries have been failing without a success.
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

/// One message to one subscription, and how its delivery went.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The `webhook-id` of every attempt.
    pub id: Uuid,
    pub seq: i64,
    pub feed_event_id: Option<Uuid>,
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A fresh Standard Webhooks secret: `whsec_` and base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The message body: the Standard Webhooks envelope around `data`.
pub fn message_body(event_type: &str, timestamp: DateTime<Utc>, data: &Value) -> String {
    json!({"type": event_type, "timestamp": timestamp, "data": data}).to_string()
}

const COLUMNS: &str =
    "id, ministry, url, event_types, created_at, failing_since, disabled_at, disabled_reason";

fn subscription(r: sqlx::postgres::PgRow) -> Subscription {
    Subscription {
        id: r.get("id"),
        ministry: r.get("ministry"),
        url: r.get("url"),
        event_types: r.get("event_types"),
        created_at: r.get("created_at"),
        failing_since: r.get("failing_since"),
        disabled_at: r.get("disabled_at"),
        disabled_reason: r.get("disabled_reason"),
    }
}

/// Creates a subscription for `ministry` in the caller's transaction (which
/// also records the answer under its Idempotency-Key); returns it with its secret.
pub async fn create(
    conn: &mut PgConnection,
    ministry: &str,
    url: &str,
    event_types: &[String],
) -> Result<(Subscription, String), WorkerError> {
    let secret = new_secret();
    let row = sqlx::query(&format!(
        "INSERT INTO webhook_subscriptions (id, ministry, url, event_types, secret)
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(ministry)
    .bind(url)
    .bind(event_types)
    .bind(&secret)
    .fetch_one(conn)
    .await?;
    Ok((subscription(row), secret))
}

/// The ministry's subscriptions, oldest first.
pub async fn list(pool: &PgPool, ministry: &str) -> Result<Vec<Subscription>, WorkerError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM webhook_subscriptions WHERE ministry = $1 ORDER BY created_at, id"
    ))
    .bind(ministry)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(subscription).collect())
}

/// One of the ministry's subscriptions; `None` for another ministry's.
pub async fn get(
    pool: &PgPool,
    ministry: &str,
    id: Uuid,
) -> Result<Option<Subscription>, WorkerError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = $1 AND ministry = $2"
    ))
    .bind(id)
    .bind(ministry)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(subscription))
}

/// Deletes one of the ministry's subscriptions and its deliveries; false when
/// there is none (a queued job then finds nothing to send).
pub async fn delete(pool: &PgPool, ministry: &str, id: Uuid) -> Result<bool, WorkerError> {
    let n = sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1 AND ministry = $2")
        .bind(id)
        .bind(ministry)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

const DELIVERY_COLUMNS: &str = "id, seq, feed_event_id, event_type, created_at, attempts,
    last_attempt_at, last_status_code, last_error, delivered_at";

fn delivery(r: sqlx::postgres::PgRow) -> Delivery {
    Delivery {
        id: r.get("id"),
        seq: r.get("seq"),
        feed_event_id: r.get("feed_event_id"),
        event_type: r.get("event_type"),
        created_at: r.get("created_at"),
        attempts: r.get("attempts"),
        last_attempt_at: r.get("last_attempt_at"),
        last_status_code: r.get("last_status_code"),
        last_error: r.get("last_error"),
        delivered_at: r.get("delivered_at"),
    }
}

/// A subscription's deliveries, newest first, with `seq` below `before`.
pub async fn deliveries(
    pool: &PgPool,
    subscription_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Delivery>, WorkerError> {
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
         WHERE subscription_id = $1 AND ($2::bigint IS NULL OR seq < $2)
         ORDER BY seq DESC LIMIT $3"
    ))
    .bind(subscription_id)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(delivery).collect())
}

/// Queues a `WEBHOOK_TEST` message behind the subscription's other messages.
/// Not an event, so the API queues it itself, in one transaction with its job.
pub async fn queue_test(pool: &PgPool, sub: &Subscription) -> Result<Delivery, WorkerError> {
    let mut tx = pool.begin().await?;
    let body = message_body(
        "WEBHOOK_TEST",
        Utc::now(),
        &json!({"subscription_id": sub.id}),
    );
    let id = queue_message(&mut tx, sub.id, None, "WEBHOOK_TEST", &body).await?;
    let row = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(delivery(row))
}

/// Adds a message at the end of the subscription's queue (once per feed
/// event) and makes sure the queue's head has its job. Returns the message id.
pub async fn queue_message(
    conn: &mut PgConnection,
    subscription_id: Uuid,
    feed_event_id: Option<Uuid>,
    event_type: &str,
    body: &str,
) -> Result<Uuid, WorkerError> {
    lock(conn, subscription_id).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, subscription_id, feed_event_id, event_type, body)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscription_id, feed_event_id) DO NOTHING",
    )
    .bind(id)
    .bind(subscription_id)
    .bind(feed_event_id)
    .bind(event_type)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    ensure_head_job(conn, subscription_id).await?;
    Ok(id)
}

/// Serialises changes to one subscription's queue.
pub(crate) async fn lock(
    conn: &mut PgConnection,
    subscription_id: Uuid,
) -> Result<(), WorkerError> {
    sqlx::query("SELECT 1 FROM webhook_subscriptions WHERE id = $1 FOR NO KEY UPDATE")
        .bind(subscription_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Enqueues the job of the subscription's oldest undelivered message (a
/// no-op when it has one already: jobs are keyed by message id).
pub(crate) async fn ensure_head_job(
    conn: &mut PgConnection,
    subscription_id: Uuid,
) -> Result<(), WorkerError> {
    let head: Option<Uuid> = sqlx::query_scalar(
        "SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s
           ON s.id = d.subscription_id AND s.disabled_at IS NULL
         WHERE d.subscription_id = $1 AND d.delivered_at IS NULL
         ORDER BY d.seq LIMIT 1",
    )
    .bind(subscription_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(head) = head {
        let job = DeliverWebhook { delivery_id: head }.job(head.to_string())?;
        enqueue(conn, job).await?;
    }
    Ok(())
}
