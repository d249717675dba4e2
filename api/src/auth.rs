//! Bearer tokens: HS256 JWTs signed with the configured secret. Short enough
//! to write here rather than pull a JWT crate with its crypto backends.

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use domain::{Actor, Role};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::ApiError;
use crate::AppState;

type HmacSha256 = Hmac<Sha256>;

const ISSUER: &str = "shikaku";

/// The claims of a token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and verifies tokens with one HS256 secret.
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
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialise"));
        let signing_input = format!("{header}.{body}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{sig}")
    }

    /// Verifies signature, algorithm, issuer and expiry; returns the actor.
    pub fn verify(&self, token: &str) -> Result<Actor, ApiError> {
        let invalid = || ApiError::Unauthorized("the bearer token is invalid");
        let mut parts = token.split('.');
        let (Some(header), Some(body), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| invalid())?;
        let mut mac = self.mac();
        mac.update(format!("{header}.{body}").as_bytes());
        mac.verify_slice(&sig).map_err(|_| invalid())?;
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).map_err(|_| invalid())?)
                .map_err(|_| invalid())?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err(invalid());
        }
        let claims: Claims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?)
                .map_err(|_| invalid())?;
        if claims.iss != ISSUER {
            return Err(invalid());
        }
        if claims.exp <= Utc::now().timestamp() {
            return Err(ApiError::Unauthorized("the bearer token has expired"));
        }
        let role = Role::parse(&claims.role).ok_or_else(invalid)?;
        if claims.sub.is_empty() {
            return Err(invalid());
        }
        Ok(Actor::new(claims.sub, role))
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl Caller {
    /// Refuses with 403 unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::wrong_role())
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(authenticate(req).map(Caller))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Actor, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let header = req
        .headers()
        .get("authorization")
        .ok_or(ApiError::Unauthorized("a bearer token is required"))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the bearer token is invalid"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or(ApiError::Unauthorized("a bearer token is required"))?;
    state.tokens.verify(token.trim())
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
