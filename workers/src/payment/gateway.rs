//! The seam between the office and whoever takes the money.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Why a gateway call failed.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The gateway could not be reached or answered with an error worth retrying.
    #[error("payment gateway unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused the request for good.
    #[error("payment gateway refused the request: {0}")]
    Refused(String),
}

/// The fee of one case, to be paid at a checkout.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub case_id: String,
    /// `registration` or `change_request`.
    pub case_type: &'static str,
    /// Whole yen.
    pub amount: i64,
    /// Derived from the case and the fee assessment: the same request is the same session.
    pub idempotency_key: String,
}

/// A checkout session the applicant can pay at.
#[derive(Debug, Clone)]
pub struct OpenedCheckout {
    pub session_id: String,
    pub url: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What the gateway knows of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub session_id: String,
    /// The case, from the session's metadata.
    pub case_id: Option<String>,
    pub case_type: Option<String>,
    /// `open`, `complete` or `expired`.
    pub status: String,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    pub amount_total: Option<i64>,
    /// Lower-case ISO code, e.g. `jpy`.
    pub currency: Option<String>,
    pub payment_intent: Option<String>,
}

/// Takes fees and gives them back.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Opens (or, for the same idempotency key, finds again) a checkout.
    async fn open_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<OpenedCheckout, GatewayError>;
    /// The current state of a session.
    async fn session(&self, session_id: &str) -> Result<SessionState, GatewayError>;
    /// Refunds `amount` of the payment `payment_reference`, once per key; the refund id.
    async fn refund(
        &self,
        payment_reference: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<String, GatewayError>;
}
