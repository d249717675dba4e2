//! Tokens from the OpenID Connect issuer (staff and applicants in
//! production): RS256 or ES256, verified by the issuer's JWKS. The keys are
//! cached; an unknown `kid` (a rotation) fetches the set again, at most once
//! per [`MIN_REFETCH`], so forged kids cannot make us hammer the issuer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::{Actor, Role};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use super::{Caller, Grant, VerifiedPerson};
use crate::error::ApiError;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECONDS: u64 = 30;
/// The shortest interval between two fetches of the key set.
const MIN_REFETCH: Duration = Duration::from_secs(10);
/// Keys older than this are fetched again, so a key the issuer withdrew
/// stops being trusted within the hour.
const MAX_AGE: Duration = Duration::from_secs(3600);

/// Where the issuer is and who its tokens must be for.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The `iss` its tokens carry.
    pub issuer: String,
    /// Its JWK Set.
    pub jwks_url: String,
    /// The `aud` its tokens must carry (this API's client id at the issuer).
    pub audience: String,
}

#[derive(Default)]
struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

/// Verifies the issuer's tokens against its cached keys.
pub struct OidcVerifier {
    settings: OidcSettings,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// Held while fetching, so concurrent misses fetch once.
    fetching: Mutex<()>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
    family_name: Option<String>,
    given_name: Option<String>,
    birthdate: Option<String>,
    /// OpenID Connect for Identity Assurance: the claims the provider verified.
    verified_claims: Option<VerifiedClaims>,
}

#[derive(Debug, Deserialize)]
struct VerifiedClaims {
    claims: PersonClaims,
}

#[derive(Debug, Deserialize)]
struct PersonClaims {
    family_name: Option<String>,
    given_name: Option<String>,
    birthdate: Option<String>,
}

impl OidcVerifier {
    /// A verifier that fetches keys on first use.
    pub fn new(settings: OidcSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            settings,
            http,
            keys: RwLock::new(Keys::default()),
            fetching: Mutex::new(()),
        }
    }

    /// The issuer's identifier, compared with a token's `iss`.
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    async fn key(&self, kid: &str) -> Option<DecodingKey> {
        {
            let keys = self.keys.read().await;
            let fresh = keys.fetched_at.is_some_and(|t| t.elapsed() < MAX_AGE);
            if let (Some(key), true) = (keys.by_kid.get(kid), fresh) {
                return Some(key.clone());
            }
        }
        let _guard = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        let recent = {
            let keys = self.keys.read().await;
            if let Some(key) = keys.by_kid.get(kid) {
                if keys.fetched_at.is_some_and(|t| t.elapsed() < MAX_AGE) {
                    return Some(key.clone());
                }
            }
            keys.fetched_at.is_some_and(|t| t.elapsed() < MIN_REFETCH)
        };
        if !recent {
            match self.fetch().await {
                Ok(fresh) => *self.keys.write().await = fresh,
                Err(e) => tracing::warn!(error = %e, "OIDC key set could not be fetched"),
            }
        }
        self.keys.read().await.by_kid.get(kid).cloned()
    }

    async fn fetch(&self) -> Result<Keys, String> {
        let set: JwkSet = self
            .http
            .get(&self.settings.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.without_url().to_string())?
            .json()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let mut by_kid = HashMap::new();
        for jwk in &set.keys {
            // Keys without a kid, or of a type we do not verify, are skipped.
            if let (Some(kid), Ok(key)) = (&jwk.common.key_id, DecodingKey::from_jwk(jwk)) {
                by_kid.insert(kid.clone(), key);
            }
        }
        tracing::info!(keys = by_kid.len(), "OIDC key set fetched");
        Ok(Keys {
            by_kid,
            fetched_at: Some(Instant::now()),
        })
    }

    /// Verifies an RS256 or ES256 token of the issuer and maps its claims.
    pub async fn verify(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Caller, ApiError> {
        let invalid = ApiError::Unauthorized("the bearer token is invalid");
        let kid = kid.ok_or(invalid)?;
        let key = self
            .key(kid)
            .await
            .ok_or(ApiError::Unauthorized("the bearer token is invalid"))?;
        // The header's algorithm, already limited to RS256 or ES256 by the
        // caller; the library refuses it unless the key is of its family.
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("the bearer token has expired")
                }
                _ => ApiError::Unauthorized("the bearer token is invalid"),
            })?
            .claims;
        if claims.sub.is_empty() {
            return Err(ApiError::Unauthorized("the bearer token is invalid"));
        }
        Ok(caller(claims))
    }
}

/// Staff act in the first of these roles their `roles` claim lists; anyone
/// else is an applicant. Ministries never sign in here: they are clients.
const STAFF_ROLES: [Role; 3] = [Role::SeniorExaminer, Role::Examiner, Role::Admin];

fn caller(claims: Claims) -> Caller {
    let role = STAFF_ROLES
        .into_iter()
        .find(|r| claims.roles.iter().any(|c| c == r.as_str()))
        .unwrap_or(Role::Applicant);
    let verified = (role == Role::Applicant)
        .then(|| verified_person(&claims))
        .flatten();
    Caller(
        Actor::new(claims.sub, role),
        Grant {
            verified,
            ..Grant::default()
        },
    )
}

/// The person the provider verified: from `verified_claims` when present,
/// else the plain `family_name`, `given_name` and `birthdate` claims (the
/// issuer is trusted to send only verified values there).
fn verified_person(claims: &Claims) -> Option<VerifiedPerson> {
    let (family, given, birth) = match &claims.verified_claims {
        Some(v) => (
            &v.claims.family_name,
            &v.claims.given_name,
            &v.claims.birthdate,
        ),
        None => (&claims.family_name, &claims.given_name, &claims.birthdate),
    };
    Some(VerifiedPerson {
        family_name: family.as_ref()?.trim().to_owned(),
        given_name: given.as_ref()?.trim().to_owned(),
        date_of_birth: NaiveDate::parse_from_str(birth.as_ref()?, "%Y-%m-%d").ok()?,
    })
}
