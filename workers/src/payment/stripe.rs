//! Stripe Checkout through async-stripe. Every call that creates something
//! carries an Idempotency-Key derived from the case (never the library's
//! random one), so a crashed and retried job finds the same session or refund.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    ProductData, RetrieveCheckoutSession,
};
use stripe_core::refund::CreateRefund;
use stripe_shared::{CheckoutSession, CheckoutSessionMode};
use stripe_types::Currency;

use super::gateway::{CheckoutRequest, GatewayError, OpenedCheckout, PaymentGateway, SessionState};

/// Stripe as the payment gateway.
pub struct StripeGateway {
    client: Client,
    public_url: String,
}

impl StripeGateway {
    /// A gateway with the secret key, against `api_base` (Stripe's own, or a test server).
    pub fn new(secret_key: &str, api_base: &str, public_url: &str) -> Result<Self, GatewayError> {
        // object_store brings aws-lc-rs and async-stripe ring: with both
        // compiled in, rustls needs the process-wide provider named (once).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::new(secret_key)
            .url(api_base)
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| GatewayError::Refused(format!("Stripe client: {e}")))?;
        Ok(Self {
            client,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }
}

fn key(k: &str) -> Result<RequestStrategy, GatewayError> {
    IdempotencyKey::new(k)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| GatewayError::Refused(format!("idempotency key: {e}")))
}

fn failed(e: StripeError) -> GatewayError {
    match e {
        // Stripe's 4xx other than conflicts and rate limits will not change on retry.
        StripeError::Stripe(_, status)
            if (400..500).contains(&status) && status != 409 && status != 429 =>
        {
            GatewayError::Refused(format!("Stripe answered {status}"))
        }
        StripeError::ConfigError(e) => GatewayError::Refused(e),
        other => GatewayError::Unavailable(other.to_string()),
    }
}

fn state_of(s: &CheckoutSession) -> SessionState {
    SessionState {
        session_id: s.id.as_str().to_owned(),
        case_id: s.metadata.as_ref().and_then(|m| m.get("case_id").cloned()),
        case_type: s
            .metadata
            .as_ref()
            .and_then(|m| m.get("case_type").cloned()),
        status: s
            .status
            .as_ref()
            .map(|st| st.as_str().to_owned())
            .unwrap_or_default(),
        payment_status: s.payment_status.as_str().to_owned(),
        amount_total: s.amount_total,
        currency: s.currency.as_ref().map(|c| c.to_string()),
        payment_intent: s
            .payment_intent
            .as_ref()
            .map(|p| p.id().as_str().to_owned()),
    }
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    async fn open_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<OpenedCheckout, GatewayError> {
        let mut price = CreateCheckoutSessionLineItemsPriceData::new(Currency::JPY);
        // JPY is zero-decimal: the amount is whole yen.
        price.unit_amount = Some(request.amount);
        price.product_data = Some(ProductData::new(
            "資格登録手数料 / Qualification registration fee",
        ));
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price_data = Some(price);
        item.quantity = Some(1);
        let metadata = HashMap::from([
            ("case_id".to_owned(), request.case_id.clone()),
            ("case_type".to_owned(), request.case_type.to_owned()),
        ]);
        let status_page = format!(
            "{}/payments/return?case_id={}",
            self.public_url, request.case_id
        );
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(vec![item])
            .client_reference_id(request.case_id.clone())
            .metadata(metadata)
            .success_url(format!("{status_page}&result=success"))
            .cancel_url(format!("{status_page}&result=cancel"))
            .customize()
            .request_strategy(key(&request.idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(failed)?;
        let url = session
            .url
            .clone()
            .ok_or_else(|| GatewayError::Unavailable("Checkout Session without a url".into()))?;
        Ok(OpenedCheckout {
            session_id: session.id.as_str().to_owned(),
            url,
            expires_at: DateTime::<Utc>::from_timestamp(session.expires_at, 0),
        })
    }

    async fn session(&self, session_id: &str) -> Result<SessionState, GatewayError> {
        let session = RetrieveCheckoutSession::new(session_id)
            .send(&self.client)
            .await
            .map_err(failed)?;
        Ok(state_of(&session))
    }

    async fn refund(
        &self,
        payment_reference: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<String, GatewayError> {
        let refund = CreateRefund::new()
            .payment_intent(payment_reference)
            .amount(amount)
            .customize()
            .request_strategy(key(idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(failed)?;
        Ok(refund.id.as_str().to_owned())
    }
}
