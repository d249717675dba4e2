//! The OpenID Connect issuer staff and applicants sign in with.

use super::Settings;

impl Settings {
    /// The OpenID Connect settings: `None` when no issuer is set, an error
    /// naming what is missing when only some are.
    pub fn oidc(&self) -> Result<Option<(String, String, String)>, String> {
        let all = [
            ("SHIKAKU_OIDC_ISSUER", &self.oidc_issuer),
            ("SHIKAKU_OIDC_JWKS_URL", &self.oidc_jwks_url),
            ("SHIKAKU_OIDC_AUDIENCE", &self.oidc_audience),
        ];
        let missing: Vec<&str> = all
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, _)| *k)
            .collect();
        match missing.len() {
            3 => Ok(None),
            0 => Ok(Some((
                self.oidc_issuer.clone(),
                self.oidc_jwks_url.clone(),
                self.oidc_audience.clone(),
            ))),
            _ => Err(format!(
                "{} not set: an OpenID Connect issuer needs all three settings",
                missing.join(" and ")
            )),
        }
    }
}
