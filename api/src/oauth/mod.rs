//! OAuth 2.0 client credentials for ministry systems (RFC 6749 section 4.4):
//! the clients and their hashed secrets, the ES256 access tokens in the
//! RFC 9068 profile and their sealed signing key, the token and JWKS
//! endpoints, a rate limit per client and one on failed attempts per address.

pub mod clients;
mod endpoints;
pub mod issuer;
pub mod rate;
pub mod secrets;
pub mod signing_key;

pub use endpoints::{jwks, token};

/// Read registrations and change requests of the ministry's qualifications.
pub const REGISTRATIONS_READ: &str = "registrations:read";
/// Read the event feed.
pub const EVENTS_READ: &str = "events:read";
/// Manage webhook subscriptions.
pub const WEBHOOKS_WRITE: &str = "webhooks:write";
/// Every scope a ministry client can hold.
pub const ALL_SCOPES: [&str; 3] = [REGISTRATIONS_READ, EVENTS_READ, WEBHOOKS_WRITE];
