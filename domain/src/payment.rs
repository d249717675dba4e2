//! The payment gateway seam: the sandbox now, Stripe when configured.

use uuid::Uuid;

/// What a gateway needs to take a fee for one case.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// The case (registration or change request) the fee is for.
    pub case_id: Uuid,
    /// Amount in whole yen.
    pub amount: i64,
}

/// A payment gateway hands out a checkout page for a fee.
pub trait PaymentGateway: Send + Sync {
    /// The URL where the applicant pays.
    fn checkout_url(&self, request: &PaymentRequest) -> String;
}
