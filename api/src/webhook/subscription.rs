//! Subscribing a URL to the ministry's feed events, listing and deleting
//! subscriptions.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use workers::webhook::store::{self, Subscription};

use super::{internal, ministry};
use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::feed::FeedEventType;
use crate::idempotency::{self, Created};
use crate::AppState;

/// The longest target URL accepted.
const URL_MAX: usize = 2048;

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// Where to POST: http or https; in production not a private or loopback
    /// address unless the office allow-listed its host.
    #[schema(example = "https://integration.example.go.jp/shikaku/webhooks")]
    pub url: String,
    /// The feed event types to receive (see `GET /v1/events`).
    #[schema(example = json!(["REGISTERED", "REGISTRATION_DELETED"]))]
    pub event_types: Vec<FeedEventType>,
}

/// Whether deliveries are flowing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubscriptionStatus {
    Active,
    /// Deliveries are failing and being retried.
    Failing,
    /// Failed for longer than the office allows; nothing more is sent.
    Disabled,
}

/// A webhook subscription (its secret is shown only when it is created).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub url: String,
    #[schema(value_type = Vec<FeedEventType>)]
    pub event_types: Vec<String>,
    pub status: SubscriptionStatus,
    pub created_at: DateTime<Utc>,
    /// Since when deliveries have failed without a success.
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

impl From<Subscription> for SubscriptionView {
    fn from(s: Subscription) -> Self {
        let status = match (&s.disabled_at, &s.failing_since) {
            (Some(_), _) => SubscriptionStatus::Disabled,
            (None, Some(_)) => SubscriptionStatus::Failing,
            (None, None) => SubscriptionStatus::Active,
        };
        Self {
            id: s.id,
            url: s.url,
            event_types: s.event_types,
            status,
            created_at: s.created_at,
            failing_since: s.failing_since,
            disabled_at: s.disabled_at,
            disabled_reason: s.disabled_reason,
        }
    }
}

/// A subscription just created, with its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSubscription {
    #[serde(flatten)]
    pub subscription: SubscriptionView,
    /// `whsec_...`: verifies `webhook-signature`. Shown this once; keep it.
    pub secret: String,
}

/// The ministry's subscriptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}

/// Checks the body: every problem, each with its field's pointer.
async fn validate(state: &AppState, body: &NewSubscription) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if body.url.len() > URL_MAX {
        errors.push(FieldError::new(
            "/url",
            "TOO_LONG",
            format!("at most {URL_MAX} characters"),
        ));
    } else if let Err(e) = state.webhook_targets.check_resolved(&body.url).await {
        let code = match e {
            workers::webhook::TargetError::NotAllowed(_) => "WEBHOOK_URL_NOT_ALLOWED",
            _ => "INVALID_URL",
        };
        errors.push(FieldError::new("/url", code, e.to_string()));
    }
    if body.event_types.is_empty() {
        errors.push(FieldError::new(
            "/event_types",
            "REQUIRED",
            "name at least one event type",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Subscribes a URL to feed events of the ministry's qualifications.
///
/// Messages follow the Standard Webhooks specification: a JSON body
/// `{type, timestamp, data}` (data is the feed event), headers `webhook-id`,
/// `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
/// id.timestamp.body>` keyed with the base64-decoded part of the secret after
/// `whsec_`. A 2xx answer delivers a message; anything else is retried with
/// backoff, in order: a message is sent only after every earlier one of the
/// subscription was delivered. Failing for longer than the office allows
/// disables the subscription. With an `Idempotency-Key`, a retry of a create
/// whose answer was lost gets the same subscription and secret (24 hours).
#[utoipa::path(
    tag = "ministry integration",
    operation_id = "create_webhook_subscription",
    request_body = NewSubscription,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body (24 h)")),
    security(("ministry" = ["webhooks:write"])),
    responses(
        (status = 201, description = "Subscribed; the secret is shown only now", body = CreatedSubscription),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a ministry, or no `webhooks:write` scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused URL, unknown event types, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is briefly unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhook-subscriptions")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let ministry = ministry(&caller)?;
    let raw = body.raw;
    let input = body.value;
    validate(&state, &input).await?;
    let mut event_types: Vec<String> = input.event_types.iter().map(|t| t.name()).collect();
    event_types.sort();
    event_types.dedup();
    idempotency::create(&state.pool, &req, &caller.0.id, &raw, || async {
        let mut tx = eventstore::Appending::begin(&state.pool).await?;
        let (sub, secret) = store::create(&mut tx, ministry, &input.url, &event_types)
            .await
            .map_err(internal)?;
        let created = CreatedSubscription {
            subscription: sub.into(),
            secret,
        };
        let created = Created {
            location: format!("/v1/webhook-subscriptions/{}", created.subscription.id),
            // Subscriptions are not versioned aggregates: always version 1.
            etag: "\"1\"".into(),
            body: serde_json::to_vec(&created).map_err(|e| ApiError::Internal(e.to_string()))?,
        };
        Ok(crate::application::Pending::new(tx, created))
    })
    .await
}

/// The ministry's webhook subscriptions, oldest first (no secrets).
#[utoipa::path(
    tag = "ministry integration",
    operation_id = "list_webhook_subscriptions",
    security(("ministry" = ["webhooks:write"])),
    responses(
        (status = 200, description = "The subscriptions", body = SubscriptionList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a ministry, or no `webhooks:write` scope", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is briefly unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/webhook-subscriptions")]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let subs = store::list(&state.pool, ministry(&caller)?)
        .await
        .map_err(internal)?;
    Ok(HttpResponse::Ok().json(SubscriptionList {
        items: subs.into_iter().map(Into::into).collect(),
    }))
}

/// Deletes a subscription; messages not yet delivered are dropped.
#[utoipa::path(
    tag = "ministry integration",
    operation_id = "delete_webhook_subscription",
    params(("id" = Uuid, Path, description = "The subscription id")),
    security(("ministry" = ["webhooks:write"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a ministry, or no `webhooks:write` scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of this ministry", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is briefly unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/webhook-subscriptions/{id}")]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if store::delete(&state.pool, ministry(&caller)?, id.into_inner())
        .await
        .map_err(internal)?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
