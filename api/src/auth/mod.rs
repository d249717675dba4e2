//! Who is calling: bearer tokens of three kinds, told apart by their header.
//! - HS256 development tokens from `shikaku token` (development only);
//! - RS256/ES256 tokens of the OpenID Connect issuer (staff and applicants),
//!   verified by its JWKS;
//! - ES256 `at+jwt` access tokens this server issued to ministry clients.

mod dev;
pub mod oidc;
mod subject;

use std::sync::Arc;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::NaiveDate;
use domain::{Actor, Role};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::Algorithm;

pub use dev::{Claims, TokenKeys};
pub use subject::{SubjectIssuers, DEVELOPMENT_ISSUER};

use crate::error::ApiError;
use crate::oauth::issuer::ClientTokens;
use crate::AppState;

/// A person the identity provider verified (name and date of birth).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPerson {
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
}

/// What a token grants beyond its role.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// The scopes of a client-credentials token; `None` for tokens limited
    /// by role only (staff, applicants, development tokens).
    pub scopes: Option<Vec<String>>,
    /// The ministry a ministry caller acts for.
    pub ministry: Option<String>,
    /// The applicant's verified identity, when the provider vouches for it.
    pub verified: Option<VerifiedPerson>,
    /// A ministry client's request rate after this request (its answer
    /// carries it as the RateLimit headers).
    pub quota: Option<crate::oauth::quota::Quota>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor, pub Grant);

impl Caller {
    /// The code of the ministry a ministry caller acts for (`MHLW`, `MEXT`,
    /// `CFA`; a development token's subject); `None` for every other role.
    /// It sees only `Catalogue::supervised_by` that code.
    pub fn ministry(&self) -> Option<&str> {
        (self.0.role == Role::Ministry)
            .then_some(self.1.ministry.as_deref())
            .flatten()
    }

    /// Refuses with 403 unless the token grants `scope`. Tokens that carry no
    /// scopes (staff, applicants, development tokens) are limited by role only.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        match &self.1.scopes {
            Some(scopes) if !scopes.iter().any(|s| s == scope) => Err(ApiError::Forbidden {
                code: "INSUFFICIENT_SCOPE",
                detail: format!("the token does not grant the scope {scope}"),
            }),
            _ => Ok(()),
        }
    }

    /// Refuses with 403 unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::wrong_role())
        }
    }
}

/// Verifies bearer tokens of every kind this deployment accepts.
pub struct Authenticator {
    /// Development tokens; `None` in production.
    pub dev: Option<TokenKeys>,
    /// The OpenID Connect issuer, when configured.
    pub oidc: Option<oidc::OidcVerifier>,
    /// Ministry clients' access tokens (always on).
    pub clients: Arc<ClientTokens>,
    /// Which issuer each subject belongs to.
    pub subjects: SubjectIssuers,
}

impl Authenticator {
    /// Verifies `token` and returns its caller, whose subject its issuer
    /// owns (see [`SubjectIssuers`]).
    pub async fn authenticate(&self, token: &str) -> Result<Caller, ApiError> {
        let (caller, issuer) = self.verify(token).await?;
        self.subjects.check(&caller.0.id, issuer).await?;
        Ok(caller)
    }

    /// Verifies `token`'s signature and claims; returns the caller and the
    /// issuer that vouches for it.
    async fn verify(&self, token: &str) -> Result<(Caller, &str), ApiError> {
        let invalid = || ApiError::Unauthorized("the bearer token is invalid");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        match header.alg {
            Algorithm::HS256 => {
                let actor = self.dev.as_ref().ok_or_else(invalid)?.verify(token)?;
                // A development ministry token acts for the ministry it names.
                let ministry = (actor.role == Role::Ministry).then(|| actor.id.clone());
                let grant = Grant {
                    ministry,
                    ..Grant::default()
                };
                Ok((Caller(actor, grant), DEVELOPMENT_ISSUER))
            }
            Algorithm::ES256 if self.clients.signed_here(header.kid.as_deref()) => {
                let caller = self.clients.verify(token, header.typ.as_deref()).await?;
                Ok((caller, self.clients.issuer()))
            }
            alg @ (Algorithm::RS256 | Algorithm::ES256) => {
                let oidc = self.oidc.as_ref().ok_or_else(invalid)?;
                let caller = oidc.verify(token, alg, header.kid.as_deref()).await?;
                Ok((caller, oidc.issuer()))
            }
            _ => Err(invalid()),
        }
    }
}

/// The bearer token of a request, or 401.
pub fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let header = req
        .headers()
        .get("authorization")
        .ok_or(ApiError::Unauthorized("a bearer token is required"))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the bearer token is invalid"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or(ApiError::Unauthorized("a bearer token is required"))?;
    Ok(token.trim())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let caller = state.auth.authenticate(bearer(&req)?).await?;
            if let Some(quota) = caller.1.quota {
                req.extensions_mut().insert(quota);
            }
            Ok(caller)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_limit_client_tokens_only() {
        let staff = Caller(Actor::new("ex", Role::Examiner), Grant::default());
        assert!(staff.require_scope("events:read").is_ok());
        let client = Caller(
            Actor::new("mc_1", Role::Ministry),
            Grant {
                scopes: Some(vec!["registrations:read".into()]),
                ministry: Some("MHLW".into()),
                verified: None,
                quota: None,
            },
        );
        assert!(client.require_scope("registrations:read").is_ok());
        assert!(client.require_scope("events:read").is_err());
        assert_eq!(client.ministry(), Some("MHLW"));
        assert_eq!(staff.ministry(), None);
    }
}
