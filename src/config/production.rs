//! What production refuses to start without.

use super::{Environment, Settings};

impl Settings {
    /// In production, what is missing, each naming its setting: a secret that
    /// would be generated, the payment sandbox, or the simulated registers.
    pub fn production_problems(&self) -> Vec<String> {
        if self.env != Environment::Production {
            return vec![];
        }
        let mut problems = Vec::new();
        // Development tokens are refused in production, so without an issuer
        // nobody could sign in. SHIKAKU_JWT_SECRET is optional there: it
        // keys console sessions when set, else a key derived from the vault key.
        if self.oidc_issuer.is_empty() {
            problems.push(
                "SHIKAKU_OIDC_ISSUER, SHIKAKU_OIDC_JWKS_URL and SHIKAKU_OIDC_AUDIENCE are not set: \
                 staff and applicants sign in through an OpenID Connect issuer in production \
                 (development tokens are for development only)"
                    .into(),
            );
        }
        if self.vault_key.is_none() {
            problems
                .push("SHIKAKU_VAULT_KEY is not set (production never generates secrets)".into());
        }
        if self.stripe_secret_key.is_none() {
            problems.push(
                "SHIKAKU_STRIPE_SECRET_KEY is not set: the payment sandbox is for development only"
                    .into(),
            );
        }
        if self.smtp_url.is_empty() {
            problems.push(
                "SHIKAKU_SMTP_URL is not set: writing mail to the .eml outbox is for development only"
                    .into(),
            );
        }
        // The registers are simulated until a real adapter exists.
        problems.push(
            "SHIKAKU_REGISTRY: the national registers are simulated (no real adapter is configured); \
             simulated registers are for development only"
                .into(),
        );
        if self.cert_signing_key.is_none() {
            problems.push(
                "SHIKAKU_CERT_SIGNING_KEY is not set (production never generates the certificate signing key)"
                    .into(),
            );
        }
        problems
    }
}
