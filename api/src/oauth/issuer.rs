//! Access tokens for ministry clients: ES256 JWTs in the RFC 9068 profile
//! (`typ: at+jwt`), valid ten minutes, signed by a P-256 key kept sealed in
//! the database (see `signing_key`) and published at `/.well-known/jwks.json`.
//!
//! A token names its client and nothing more is believed from it: the
//! ministry and the scopes come from the client's row at every request, so a
//! revoked client or one whose scopes or ministry changed is held to its row
//! at once, and a token forged with a stolen key acts at most as its client
//! is allowed to.

use std::net::IpAddr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use certificate::JwkSet;
use chrono::Utc;
use domain::{Actor, Role};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::clients::{self, MinistryClient};
use super::quota::{Quota, CLIENT_POLICY};
use super::rate::{self, RateLimit};
use super::secrets::ClientSecrets;
use super::signing_key::{self, SigningKeyError};
use crate::auth::{Caller, Grant};
use crate::error::ApiError;

/// Lifetime of an access token, in seconds.
pub const TOKEN_TTL_SECONDS: i64 = 600;
/// The media type RFC 9068 puts in the header's `typ`.
const TYP: &str = "at+jwt";
/// Failed client authentications one address may make: ten at once, then one
/// every six seconds, counted in Postgres across every replica. Successful
/// ones do not count, and a correct secret is accepted even from an address
/// over the limit (checking it costs one HMAC), so a proxy or NAT address an
/// attacker shares locks nobody out.
pub const FAILED_ATTEMPTS: RateLimit = RateLimit {
    per_second: 1.0 / 6.0,
    burst: 10.0,
};

/// Why the token issuer could not start.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error(transparent)]
    SigningKey(#[from] SigningKeyError),
    #[error("signing key: {0}")]
    Key(#[from] certificate::KeyError),
}

/// The claims of an access token (RFC 9068 section 2.2, plus the ministry).
#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    jti: String,
    client_id: String,
    /// Space-separated.
    scope: String,
    /// The ministry the client acts for, for the integrator's information;
    /// never believed (the client's row says).
    ministry: String,
}

/// A client authentication from an address: whether the address was still
/// within its failed-attempt limit (a slot taken, given back on success) or
/// how many seconds until it is again.
#[derive(Debug)]
pub struct Attempt {
    /// The address's bucket.
    bucket: String,
    within: Result<(), u64>,
}

impl Attempt {
    /// Whether expensive checks (a legacy Argon2id hash) may run for it.
    pub fn within_limit(&self) -> bool {
        self.within.is_ok()
    }

    /// The answer to its failure: 401 `invalid_client`, or 429
    /// `TOO_MANY_ATTEMPTS` once the address is over its limit.
    pub fn failed(&self, invalid_client: ApiError) -> ApiError {
        match self.within {
            Ok(()) => invalid_client,
            Err(wait) => ApiError::TooManyRequests(wait),
        }
    }
}

/// Issues and verifies client access tokens; limits each client's rate and
/// each address's failed authentications.
pub struct ClientTokens {
    issuer: String,
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: JwkSet,
    pool: PgPool,
    secrets: ClientSecrets,
    /// Each client's request rate, kept in Postgres (shared by every replica).
    limit: RateLimit,
}

impl ClientTokens {
    /// Loads the signing key, making it the first time; `public_url` is both
    /// the issuer and the audience of the tokens. The vault key opens the
    /// signing key and keys the client secrets' hashes.
    pub async fn load(
        pool: &PgPool,
        public_url: &str,
        limit: RateLimit,
        vault_master: &[u8; 32],
    ) -> Result<Self, IssuerError> {
        let (key, pem) = signing_key::current(pool, vault_master).await?;
        let jwk = key.public_key().to_jwk();
        let decoding = DecodingKey::from_ec_components(&jwk.x, &jwk.y)
            .map_err(|_| certificate::KeyError::Jwk("not a P-256 point"))?;
        Ok(Self {
            issuer: public_url.trim_end_matches('/').to_owned(),
            kid: key.kid().to_owned(),
            encoding: EncodingKey::from_ec_der(&pkcs8_der(&pem)?),
            decoding,
            jwks: JwkSet { keys: vec![jwk] },
            pool: pool.clone(),
            secrets: ClientSecrets::new(vault_master),
            limit,
        })
    }

    /// Hashes and checks client secrets.
    pub fn secrets(&self) -> &ClientSecrets {
        &self.secrets
    }

    /// Takes a failed-attempt slot of the address `peer` before a client
    /// authenticates, if it has one left. An IPv6 address counts as its /64,
    /// which one subscriber usually holds.
    pub async fn attempt(&self, peer: Option<IpAddr>) -> Result<Attempt, ApiError> {
        let key = match peer.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(ip) => ip.to_string(),
            None => "unknown".to_owned(),
        };
        let bucket = format!("failed-authentication:{key}");
        Ok(Attempt {
            within: rate::take(&self.pool, &bucket, FAILED_ATTEMPTS).await?,
            bucket,
        })
    }

    /// The authentication succeeded: its slot does not count.
    pub async fn succeeded(&self, attempt: Attempt) -> Result<(), ApiError> {
        if attempt.within.is_ok() {
            rate::refund(&self.pool, &attempt.bucket, FAILED_ATTEMPTS).await?;
        }
        Ok(())
    }

    /// The `iss` of the tokens this server issues to clients (its public URL).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The published verification keys.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// Whether a token header's `kid` is this issuer's.
    pub fn signed_here(&self, kid: Option<&str>) -> bool {
        kid == Some(self.kid.as_str())
    }

    /// Takes one request from the client's rate and answers what is left;
    /// 429 when it is spent. The bucket is in Postgres, so the rate holds
    /// across replicas and restarts.
    pub async fn limit(&self, client_id: &str) -> Result<Quota, ApiError> {
        let taken = sqlx::query!(
            r#"SELECT wait AS "wait!", remaining AS "remaining!" FROM take_rate_quota($1, $2, $3)"#,
            format!("ministry-client:{client_id}"),
            self.limit.per_second,
            self.limit.burst,
        )
        .fetch_one(&self.pool)
        .await?;
        let quota = Quota {
            policy: CLIENT_POLICY,
            limit: self.limit,
            remaining: taken.remaining,
        };
        if taken.wait <= 0.0 {
            Ok(quota)
        } else {
            Err(ApiError::RateLimited(
                taken.wait.ceil().max(1.0) as u64,
                quota,
            ))
        }
    }

    /// An access token for `client` with `scopes`.
    pub fn issue(&self, client: &MinistryClient, scopes: &[String]) -> String {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            sub: client.id.clone(),
            aud: self.issuer.clone(),
            exp: now + TOKEN_TTL_SECONDS,
            iat: now,
            jti: Uuid::new_v4().to_string(),
            client_id: client.id.clone(),
            scope: scopes.join(" "),
            ministry: client.ministry_code.clone(),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(TYP.into());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .expect("ES256 signing with a valid P-256 key cannot fail")
    }

    /// Verifies a client's token, that the client is not revoked, and its
    /// rate; the ministry and scopes are the row's (narrowed by the token's).
    pub async fn verify(&self, token: &str, typ: Option<&str>) -> Result<Caller, ApiError> {
        let typ_ok = typ.is_some_and(|t| {
            t.eq_ignore_ascii_case(TYP) || t.eq_ignore_ascii_case("application/at+jwt")
        });
        if !typ_ok {
            return Err(ApiError::Unauthorized("the bearer token is invalid"));
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Signed on our own clock; a little slack for several processes.
        validation.leeway = 5;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("the bearer token has expired")
                }
                _ => ApiError::Unauthorized("the bearer token is invalid"),
            })?
            .claims;
        if claims.sub != claims.client_id {
            return Err(ApiError::Unauthorized("the bearer token is invalid"));
        }
        let Some((ministry, held)) = clients::grant(&self.pool, &claims.client_id).await? else {
            return Err(ApiError::Unauthorized("the client has been revoked"));
        };
        let quota = self.limit(&claims.client_id).await?;
        // The token may ask for less than the client holds, never more.
        let scopes = claims
            .scope
            .split(' ')
            .filter(|s| held.iter().any(|h| h == s))
            .map(str::to_owned)
            .collect();
        Ok(Caller(
            Actor::new(claims.client_id, Role::Ministry),
            Grant {
                scopes: Some(scopes),
                ministry: Some(ministry),
                verified: None,
                quota: Some(quota),
            },
        ))
    }
}

/// The DER inside a PKCS#8 PEM.
fn pkcs8_der(pem: &str) -> Result<Vec<u8>, certificate::KeyError> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    STANDARD
        .decode(body.trim())
        .map_err(|_| certificate::KeyError::Pem)
}
