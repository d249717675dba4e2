//! How a case's fee, payment and refund are shown, and Stripe's webhook.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::examination::{CaseStatus, Examination};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, Problem};
use crate::AppState;

/// Where the payment of a fee stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// The procedure is free.
    NotRequired,
    /// Awaiting payment at `checkout_url`.
    Pending,
    /// The last attempt was declined; the applicant may try again.
    Declined,
    Paid,
    /// Paid, and the fee is being refunded.
    RefundRequested,
    /// Paid and refunded.
    Refunded,
}

/// A refund of the fee.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    /// Whole yen.
    pub amount: i64,
    pub requested_at: DateTime<Utc>,
    /// When the payment gateway issued it; absent while it is being issued.
    pub issued_at: Option<DateTime<Utc>>,
}

/// The payment of a case's fee.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    #[schema(example = "PENDING")]
    pub status: PaymentStatus,
    /// Where to pay while the fee is unpaid. It appears moments after the fee
    /// is assessed (the checkout is opened in the background) and is replaced
    /// when a session expires.
    pub checkout_url: Option<String>,
    /// The refund, when the fee is given back (a paid case withdrawn before a decision).
    pub refund: Option<RefundView>,
}

impl PaymentView {
    /// The payment part of a case's status.
    pub fn of(exam: &Examination) -> Self {
        let refund = exam.payment.refund.as_ref();
        let status = match exam.payment_status() {
            "NOT_REQUIRED" => PaymentStatus::NotRequired,
            "PAID" => PaymentStatus::Paid,
            "DECLINED" => PaymentStatus::Declined,
            "REFUND_REQUESTED" => PaymentStatus::RefundRequested,
            "REFUNDED" => PaymentStatus::Refunded,
            _ => PaymentStatus::Pending,
        };
        let awaiting = exam.status == CaseStatus::AwaitingPayment && !exam.paid;
        Self {
            status,
            checkout_url: exam
                .payment
                .checkout
                .as_ref()
                .filter(|_| awaiting)
                .map(|c| c.url.clone()),
            refund: refund.map(|r| RefundView {
                amount: r.amount,
                requested_at: r.requested_at,
                issued_at: r.issued_at,
            }),
        }
    }
}

/// Stripe's acknowledgement.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceipt {
    /// False when this event id had been received before (nothing changed).
    pub first_delivery: bool,
}

#[derive(Deserialize)]
struct EventHead {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
}

/// Stripe's signed payment callbacks (`Stripe-Signature`, 300 s tolerance).
/// The event is stored by its id before the 2xx; a repeat changes nothing.
#[utoipa::path(
    operation_id = "receive_stripe_webhook",
    tag = "payments",
    security(()),
    request_body(content = String, description = "A Stripe event, as Stripe sends it", content_type = "application/json"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix time>,v1=<hex HMAC-SHA256 of t.body>")),
    responses(
        (status = 200, description = "Stored (or already stored)", body = WebhookReceipt),
        (status = 400, description = "Missing or bad signature, expired timestamp, or not a Stripe event; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Stripe is not the payment gateway of this server", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error; Stripe will deliver again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/payments/stripe-webhook")]
pub async fn stripe_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(secret) = state.stripe_webhook_secret.as_deref() else {
        return Err(ApiError::NotFound);
    };
    let bad = |detail: String| ApiError::BadRequest {
        code: "INVALID_STRIPE_SIGNATURE",
        detail,
    };
    let header = req
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| bad("the Stripe-Signature header is missing".into()))?;
    workers::payment::stripe_events::verify_signature(
        &body,
        header,
        secret,
        Utc::now().timestamp(),
    )
    .map_err(|e| bad(e.to_string()))?;
    let payload: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| ApiError::BadRequest {
            code: "INVALID_STRIPE_EVENT",
            detail: "the body is not a Stripe event".into(),
        })?;
    let head: EventHead =
        serde_json::from_value(payload.clone()).map_err(|_| ApiError::BadRequest {
            code: "INVALID_STRIPE_EVENT",
            detail: "the body is not a Stripe event".into(),
        })?;
    let first =
        workers::payment::stripe_events::receive(&state.pool, &head.id, &head.event_type, &payload)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().json(WebhookReceipt {
        first_delivery: first,
    }))
}

/// Where Stripe sends the applicant back.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnQuery {
    /// The case paid for.
    pub case_id: Option<String>,
    /// `success` or `cancel`.
    pub result: Option<String>,
}

/// The page the applicant returns to from the checkout.
#[utoipa::path(
    operation_id = "checkout_return_page",
    tag = "payments",
    security(()),
    params(ReturnQuery),
    responses((status = 200, description = "HTML page", content_type = "text/html"))
)]
#[get("/payments/return")]
pub async fn checkout_return(query: web::Query<ReturnQuery>) -> HttpResponse {
    let (ja, en) = match query.result.as_deref() {
        Some("success") => (
            "お支払いを受け付けました。確認が済みしだい審査が始まります。",
            "Thank you. Your payment is being confirmed; the examination starts once it is.",
        ),
        _ => (
            "お支払いは完了していません。申請の状況画面からもう一度お支払いいただけます。",
            "The payment was not completed. You can pay again from your application's status.",
        ),
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>お支払い / Payment</title></head>
<body style="font-family:sans-serif;max-width:36rem;margin:3rem auto"><h1>お支払い / Payment</h1>
<p>{ja}</p><p lang="en">{en}</p></body></html>"#
        ))
}

impl From<workers::WorkerError> for ApiError {
    fn from(e: workers::WorkerError) -> Self {
        match e {
            workers::WorkerError::NoSuchJob(_) => ApiError::NotFound,
            workers::WorkerError::NotRetryable(..) => ApiError::Conflict {
                code: "JOB_NOT_RETRYABLE",
                detail: e.to_string(),
            },
            workers::WorkerError::Database(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}
