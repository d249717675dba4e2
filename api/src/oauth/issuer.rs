//! Access tokens for ministry clients: ES256 JWTs in the RFC 9068 profile
//! (`typ: at+jwt`), valid ten minutes, signed by a P-256 key kept in the
//! database (made at the first start, so every API process shares it) and
//! published at `/.well-known/jwks.json`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use certificate::{JwkSet, SigningKey};
use chrono::Utc;
use domain::{Actor, Role};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::clients::{self, MinistryClient};
use super::rate::{RateLimit, RateLimiter};
use crate::auth::{Caller, Grant};
use crate::error::ApiError;

/// Lifetime of an access token, in seconds.
pub const TOKEN_TTL_SECONDS: i64 = 600;
/// The media type RFC 9068 puts in the header's `typ`.
const TYP: &str = "at+jwt";

/// Why the signing key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
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
    /// The ministry the client acts for.
    ministry: String,
}

/// Issues and verifies client access tokens; limits each client's rate.
pub struct ClientTokens {
    issuer: String,
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: JwkSet,
    pool: PgPool,
    limiter: RateLimiter,
}

impl ClientTokens {
    /// Loads the signing key, making it the first time; `public_url` is both
    /// the issuer and the audience of the tokens.
    pub async fn load(
        pool: &PgPool,
        public_url: &str,
        limit: RateLimit,
    ) -> Result<Self, IssuerError> {
        let mut tx = pool.begin().await?;
        // Two processes starting at once make one key, not two.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('oauth_signing_keys'))")
            .execute(&mut *tx)
            .await?;
        let pem: Option<String> = sqlx::query_scalar(
            "SELECT private_pem FROM oauth_signing_keys ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let pem = match pem {
            Some(pem) => pem,
            None => {
                let (key, pem) = SigningKey::generate()?;
                sqlx::query("INSERT INTO oauth_signing_keys (kid, private_pem) VALUES ($1, $2)")
                    .bind(key.kid())
                    .bind(&pem)
                    .execute(&mut *tx)
                    .await?;
                pem
            }
        };
        tx.commit().await?;
        let key = SigningKey::from_pem(&pem)?;
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
            limiter: RateLimiter::new(limit),
        })
    }

    /// The published verification keys.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// Whether a token header's `kid` is this issuer's.
    pub fn signed_here(&self, kid: Option<&str>) -> bool {
        kid == Some(self.kid.as_str())
    }

    /// Takes one request from the client's rate; 429 when it is spent.
    pub fn limit(&self, client_id: &str) -> Result<(), ApiError> {
        self.limiter.take(client_id).map_err(ApiError::RateLimited)
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

    /// Verifies a client's token, that the client is not revoked, and its rate.
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
        if !clients::active(&self.pool, &claims.client_id).await? {
            return Err(ApiError::Unauthorized("the client has been revoked"));
        }
        self.limit(&claims.client_id)?;
        Ok(Caller(
            Actor::new(claims.client_id, Role::Ministry),
            Grant {
                scopes: Some(claims.scope.split(' ').map(str::to_owned).collect()),
                ministry: Some(claims.ministry),
                verified: None,
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
