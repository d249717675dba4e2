//! A subscription's messages: how their delivery went, and a test message.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use workers::webhook::store::{self, Delivery};

use super::{internal, owned};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::pagination;
use crate::AppState;

/// Where a message stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Not yet answered with a 2xx (waiting for its turn, or being retried).
    Pending,
    /// Answered with a 2xx.
    Delivered,
}

/// One message to a subscription and how its delivery went.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The message's `webhook-id`, the same on every attempt.
    pub id: Uuid,
    #[schema(example = "REGISTERED")]
    pub event_type: String,
    /// The feed event delivered; absent for a `WEBHOOK_TEST` message.
    pub feed_event_id: Option<Uuid>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last answer.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            event_type: d.event_type,
            feed_event_id: d.feed_event_id,
            status: if d.delivered_at.is_some() {
                DeliveryStatus::Delivered
            } else {
                DeliveryStatus::Pending
            },
            attempts: d.attempts,
            created_at: d.created_at,
            last_attempt_at: d.last_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Paging of deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// A subscription's messages and how their delivery went, newest first.
#[utoipa::path(
    tag = "ministry integration",
    operation_id = "list_webhook_deliveries",
    params(("id" = Uuid, Path, description = "The subscription id"), DeliveryQuery),
    security(("ministry" = ["webhooks:write"])),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "Invalid cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a ministry, or no `webhooks:write` scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of this ministry", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is briefly unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/webhook-subscriptions/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let sub = owned(&state, &caller, id.into_inner()).await?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = pagination::sequence(q.cursor.as_deref())?;
    let rows = store::deliveries(&state.pool, sub.id, before, limit + 1)
        .await
        .map_err(internal)?;
    let (rows, next_cursor) = pagination::page_by(rows, limit, |r| r.seq.to_string());
    Ok(HttpResponse::Ok().json(DeliveryPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Queues a `WEBHOOK_TEST` message (data `{subscription_id}`) behind the
/// subscription's other messages, signed like every message.
#[utoipa::path(
    tag = "ministry integration",
    operation_id = "test_webhook_subscription",
    params(("id" = Uuid, Path, description = "The subscription id")),
    security(("ministry" = ["webhooks:write"])),
    responses(
        (status = 202, description = "The test message, queued", body = DeliveryView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a ministry, or no `webhooks:write` scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription of this ministry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The subscription is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is briefly unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhook-subscriptions/{id}/test")]
pub async fn test(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let sub = owned(&state, &caller, id.into_inner()).await?;
    if sub.disabled_at.is_some() {
        return Err(ApiError::Conflict {
            code: "SUBSCRIPTION_DISABLED",
            detail: "the subscription was disabled after failing; create a new one".into(),
        });
    }
    let delivery = store::queue_test(&state.pool, &sub)
        .await
        .map_err(internal)?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(delivery)))
}
