//! Online payment: the gateway seam (Stripe Checkout, or the development
//! sandbox), the jobs that open checkouts, settle from Stripe's webhooks,
//! reconcile sessions whose webhook never came, and refund.

/// The case service, where payment code has always found it.
pub use crate::cases;
pub mod checkout;
pub mod checkout_batch;
pub mod gateway;
pub mod jobs;
pub mod reconcile;
pub mod sandbox;
pub mod stripe;
pub mod stripe_events;

pub use checkout::CheckoutHandler;
pub use checkout_batch::{CheckoutBatch, CheckoutBatchHandler};
pub use gateway::{CheckoutRequest, GatewayError, OpenedCheckout, PaymentGateway, SessionState};
