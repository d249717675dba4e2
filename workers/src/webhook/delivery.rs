//! The `webhook.delivery` job: sends the head message of a subscription's
//! queue, signed as the Standard Webhooks specification says, records the
//! attempt, and on success hands the job on to the next message. A
//! subscription whose deliveries keep failing for longer than the configured
//! time is disabled.

use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::store::{ensure_head_job, lock};
use super::target::TargetPolicy;
use crate::job_kind::{JobArgs, Work};
use crate::jobs::Job;
use crate::worker::JobError;

/// Sends one message, the head of its subscription's queue:
/// `webhook.delivery`, keyed by the message id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverWebhook {
    pub delivery_id: Uuid,
}

impl JobArgs for DeliverWebhook {
    const KIND: &'static str = "webhook.delivery";
    /// Retried until delivered or the subscription is disabled for failing.
    const MAX_ATTEMPTS: i32 = 10_000;
}

/// How long one attempt may take, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the key that is the
/// base64 after `whsec_`; `None` for a malformed secret.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Sends webhook messages.
pub struct DeliveryHandler {
    pool: PgPool,
    client: reqwest::Client,
    policy: TargetPolicy,
    disable_after: Duration,
}

impl DeliveryHandler {
    /// A handler whose client connects only where `policy` allows, and which
    /// disables a subscription failing for longer than `disable_after`.
    pub fn new(
        pool: PgPool,
        policy: TargetPolicy,
        disable_after: Duration,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(ATTEMPT_TIMEOUT / 2)
            // A redirect or a proxy would bypass the address check.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(policy.resolver())
            .build()?;
        Ok(Self {
            pool,
            client,
            policy,
            disable_after,
        })
    }

    /// One attempt: the status code on an answer, or why there was none.
    async fn send(&self, url: &str, secret: &str, id: Uuid, body: String) -> Result<u16, String> {
        self.policy.check(url).map_err(|e| e.to_string())?;
        let timestamp = Utc::now().timestamp();
        let id = id.to_string();
        let signature = signature(secret, &id, timestamp, &body)
            .ok_or_else(|| "the subscription's secret is malformed".to_owned())?;
        let mut request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature);
        // The delivery job's trace, for receivers that trace too.
        for (name, value) in crate::trace_context::outgoing() {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.map_err(describe)?;
        Ok(response.status().as_u16())
    }

    /// Records a delivered head and queues the next message's job.
    async fn delivered(&self, sub: Uuid, id: Uuid, status: u16) -> Result<(), JobError> {
        let mut tx = self.pool.begin().await.map_err(JobError::retry)?;
        lock(&mut tx, sub).await.map_err(JobError::retry)?;
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(),
                    last_status_code = $2, last_error = NULL, delivered_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(i32::from(status))
        .execute(&mut *tx)
        .await
        .map_err(JobError::retry)?;
        sqlx::query("UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = $1")
            .bind(sub)
            .execute(&mut *tx)
            .await
            .map_err(JobError::retry)?;
        ensure_head_job(&mut tx, sub)
            .await
            .map_err(JobError::retry)?;
        tx.commit().await.map_err(JobError::retry)
    }

    /// Records a failed attempt; disables the subscription once it has been
    /// failing for `disable_after`.
    async fn failed(
        &self,
        sub: Uuid,
        id: Uuid,
        status: Option<u16>,
        error: String,
    ) -> Result<(), JobError> {
        let mut tx = self.pool.begin().await.map_err(JobError::retry)?;
        // The subscription row first, as everyone who changes its queue does
        // (a concurrent DELETE would otherwise deadlock with this).
        lock(&mut tx, sub).await.map_err(JobError::retry)?;
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(),
                    last_status_code = $2, last_error = $3
             WHERE id = $1",
        )
        .bind(id)
        .bind(status.map(i32::from))
        .bind(&error)
        .execute(&mut *tx)
        .await
        .map_err(JobError::retry)?;
        let disabled: bool = sqlx::query_scalar(
            "UPDATE webhook_subscriptions
             SET failing_since = coalesce(failing_since, now()),
                 disabled_at = CASE WHEN now() - coalesce(failing_since, now())
                                         >= make_interval(secs => $2)
                                    THEN now() END,
                 disabled_reason = CASE WHEN now() - coalesce(failing_since, now())
                                             >= make_interval(secs => $2)
                                        THEN $3 END
             WHERE id = $1
             RETURNING disabled_at IS NOT NULL",
        )
        .bind(sub)
        .bind(self.disable_after.as_secs_f64())
        .bind(format!(
            "deliveries failed for {} seconds; last error: {error}",
            self.disable_after.as_secs()
        ))
        .fetch_optional(&mut *tx)
        .await
        .map_err(JobError::retry)?
        .unwrap_or(false);
        tx.commit().await.map_err(JobError::retry)?;
        if disabled {
            tracing::warn!(subscription = %sub, "webhook subscription disabled after failing");
            Err(JobError::Permanent(format!(
                "subscription disabled: {error}"
            )))
        } else {
            Err(JobError::Retry(error))
        }
    }
}

/// A transport error in words, without the URL's query (it may carry a token
/// of the receiver's).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    }
}

#[async_trait]
impl Work for DeliveryHandler {
    type Args = DeliverWebhook;

    async fn work(&self, args: DeliverWebhook, _job: &Job) -> Result<(), JobError> {
        let id = args.delivery_id;
        let row = sqlx::query(
            "SELECT d.subscription_id, d.body, d.delivered_at IS NOT NULL AS delivered,
                    s.url, s.secret, s.disabled_at IS NOT NULL AS disabled,
                    EXISTS (SELECT 1 FROM webhook_deliveries e
                            WHERE e.subscription_id = d.subscription_id
                              AND e.delivered_at IS NULL AND e.seq < d.seq) AS behind
             FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
             WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(JobError::retry)?;
        // The subscription was deleted (and its messages with it).
        let Some(row) = row else { return Ok(()) };
        let sub: Uuid = row.get("subscription_id");
        if row.get::<bool, _>("delivered") {
            // A retry after the commit of a success: make sure the next one runs.
            let mut conn = self.pool.acquire().await.map_err(JobError::retry)?;
            return ensure_head_job(&mut conn, sub)
                .await
                .map_err(JobError::retry);
        }
        if row.get::<bool, _>("disabled") {
            return Err(JobError::Permanent("the subscription is disabled".into()));
        }
        if row.get::<bool, _>("behind") {
            // Never send ahead of an earlier message (cannot happen while
            // only heads have jobs; kept as the rule's guard).
            return Err(JobError::Retry(
                "an earlier message is not delivered yet".into(),
            ));
        }
        let url: String = row.get("url");
        let secret: String = row.get("secret");
        match self.send(&url, &secret, id, row.get("body")).await {
            Ok(status) if (200..300).contains(&status) => self.delivered(sub, id, status).await,
            Ok(status) => {
                self.failed(sub, id, Some(status), format!("answered HTTP {status}"))
                    .await
            }
            Err(error) => self.failed(sub, id, None, error).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(signature("nope", id, 0, body).is_none());
    }
}
