//! OAuth 2.0 client credentials for ministry systems (RFC 6749 section 4.4):
//! the clients and their hashed secrets, the ES256 access tokens in the
//! RFC 9068 profile and their sealed signing key, the token and JWKS
//! endpoints, a rate limit per client and one on failed attempts per address.

pub mod clients;
mod endpoints;
pub mod issuer;
pub mod quota;
pub mod rate;
pub mod secrets;
pub mod signing_key;

pub use endpoints::{jwks, token};

use actix_web::HttpRequest;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// An OAuth error answer (RFC 6749 section 5.2): `error` and its description.
pub(crate) fn oauth_error(error: &'static str, description: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        error,
        description: description.into(),
    }
}

/// A token request's form body; token endpoints take nothing else.
pub(crate) fn token_form<T: DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    let form_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    serde_urlencoded::from_bytes(body)
        .ok()
        .filter(|_| form_type)
        .ok_or_else(|| {
            oauth_error(
                "invalid_request",
                "the body must be application/x-www-form-urlencoded",
            )
        })
}

/// Read registrations and change requests of the ministry's qualifications.
pub const REGISTRATIONS_READ: &str = "registrations:read";
/// Read the event feed.
pub const EVENTS_READ: &str = "events:read";
/// Manage webhook subscriptions.
pub const WEBHOOKS_WRITE: &str = "webhooks:write";
/// Every scope a ministry client can hold.
pub const ALL_SCOPES: [&str; 3] = [REGISTRATIONS_READ, EVENTS_READ, WEBHOOKS_WRITE];
