//! Development tokens: HS256 JWTs that `shikaku token` mints with the
//! server's secret. Accepted only in development; the same secret also keys
//! the console's session tags.

use chrono::Utc;
use domain::{Actor, Role};
use hmac::{Hmac, Mac};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

const ISSUER: &str = "shikaku";

/// The claims of a development token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and verifies development tokens with one HS256 secret.
#[derive(Clone)]
pub struct TokenKeys {
    secret: Vec<u8>,
}

impl TokenKeys {
    /// Keys from the configured secret.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as Mac>::new_from_slice(&self.secret).expect("HMAC takes any key length")
    }

    /// An HMAC-SHA256 of `data` under the token secret, bound to `purpose` so
    /// a tag made for one use (console sessions) never verifies for another.
    pub fn tag(&self, purpose: &str, data: &[u8]) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// Checks a tag made by [`TokenKeys::tag`] in constant time.
    pub fn verify_tag(&self, purpose: &str, data: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.mac();
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.verify_slice(tag).is_ok()
    }

    /// Mints a token for `sub` in `role`, valid for `ttl_seconds`.
    pub fn mint(&self, sub: &str, role: Role, ttl_seconds: i64) -> String {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            role: role.as_str().to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + ttl_seconds,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.secret),
        )
        .expect("HS256 signing of plain claims cannot fail")
    }

    /// Verifies signature, algorithm, issuer and expiry; returns the actor.
    pub fn verify(&self, token: &str) -> Result<Actor, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Development tokens are minted here, on this clock: no leeway, so a
        // token minted already expired is refused at once.
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(&self.secret),
            &validation,
        )
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => ApiError::Unauthorized("the bearer token has expired"),
            _ => ApiError::Unauthorized("the bearer token is invalid"),
        })?;
        let claims = data.claims;
        let role = Role::parse(&claims.role)
            .ok_or(ApiError::Unauthorized("the bearer token is invalid"))?;
        if claims.sub.is_empty() {
            return Err(ApiError::Unauthorized("the bearer token is invalid"));
        }
        Ok(Actor::new(claims.sub, role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_forgeries_do_not() {
        let keys = TokenKeys::new(b"secret");
        let t = keys.mint("alice", Role::Applicant, 60);
        assert_eq!(
            keys.verify(&t).unwrap(),
            Actor::new("alice", Role::Applicant)
        );
        assert!(TokenKeys::new(b"other").verify(&t).is_err());
        assert!(keys
            .verify(&keys.mint("alice", Role::Applicant, -1))
            .is_err());
        let mut forged = t.clone();
        forged.pop();
        assert!(keys.verify(&forged).is_err());
    }
}
