//! The development sandbox gateway: a pay page on this server, reached by a
//! link that carries a signed, expiring token for one case, so nobody pays or
//! declines for a case whose link they were not given.

use async_trait::async_trait;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::gateway::{CheckoutRequest, GatewayError, OpenedCheckout, PaymentGateway, SessionState};

/// How long a sandbox checkout link stays valid.
const LINK_LIFETIME_HOURS: i64 = 24;

/// Signs and checks the tokens of sandbox checkout links.
#[derive(Clone)]
pub struct SandboxSigner {
    key: Vec<u8>,
}

impl SandboxSigner {
    /// A signer with its own key, derived from the server secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
        mac.update(b"shikaku sandbox checkout links");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn signature(&self, case_id: &str, expires: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{case_id}.{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A token for `case_id` valid until `expires` (Unix seconds).
    pub fn token(&self, case_id: &str, expires: i64) -> String {
        format!("{expires}.{}", self.signature(case_id, expires))
    }

    /// Whether `token` was issued for `case_id` and has not expired.
    pub fn verify(&self, case_id: &str, token: &str) -> bool {
        let Some((expires, sig)) = token.split_once('.') else {
            return false;
        };
        let Ok(expires) = expires.parse::<i64>() else {
            return false;
        };
        if expires < Utc::now().timestamp() {
            return false;
        }
        let Ok(sig) = hex::decode(sig) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{case_id}.{expires}").as_bytes());
        mac.verify_slice(&sig).is_ok()
    }
}

/// Hands out links to this server's sandbox pay page; refunds are immediate.
pub struct SandboxGateway {
    public_url: String,
    signer: SandboxSigner,
}

impl SandboxGateway {
    /// A gateway whose pages live under `public_url`.
    pub fn new(public_url: &str, signer: SandboxSigner) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            signer,
        }
    }
}

#[async_trait]
impl PaymentGateway for SandboxGateway {
    async fn open_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<OpenedCheckout, GatewayError> {
        let expires_at = Utc::now() + Duration::hours(LINK_LIFETIME_HOURS);
        let token = self.signer.token(&request.case_id, expires_at.timestamp());
        Ok(OpenedCheckout {
            session_id: format!("sandbox_{}", request.idempotency_key),
            url: format!(
                "{}/sandbox/payments/{}?token={token}",
                self.public_url, request.case_id
            ),
            // The link expires, the case does not: a new link is made on demand.
            expires_at: None,
        })
    }

    async fn session(&self, session_id: &str) -> Result<SessionState, GatewayError> {
        Err(GatewayError::Refused(format!(
            "the sandbox keeps no sessions ({session_id}); it settles directly"
        )))
    }

    async fn refund(
        &self,
        payment_reference: &str,
        _amount: i64,
        idempotency_key: &str,
    ) -> Result<String, GatewayError> {
        Ok(format!(
            "sandbox_refund_{idempotency_key}_{payment_reference}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_case_and_expire() {
        let s = SandboxSigner::new(b"secret");
        let later = Utc::now().timestamp() + 60;
        let t = s.token("case-a", later);
        assert!(s.verify("case-a", &t));
        assert!(!s.verify("case-b", &t));
        assert!(!SandboxSigner::new(b"other").verify("case-a", &t));
        assert!(!s.verify("case-a", &s.token("case-a", Utc::now().timestamp() - 1)));
        assert!(!s.verify("case-a", "garbage"));
        assert!(!s.verify("case-a", &t.replace('.', "x")));
    }
}
