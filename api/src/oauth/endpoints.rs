//! `POST /oauth/token` (client credentials, `client_secret_basic`) and the
//! key set that verifies its tokens.

use actix_web::http::header::ContentType;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::clients;
use super::issuer::TOKEN_TTL_SECONDS;
use super::{oauth_error, token_form};
use crate::error::ApiError;
use crate::AppState;

/// The token request (RFC 6749 section 4.4.2), form-encoded.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: Option<String>,
    /// Space-separated scopes wanted; all the client holds when absent.
    pub scope: Option<String>,
}

/// An access token (RFC 6749 section 5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// An ES256 JWT (RFC 9068), verifiable with `/.well-known/jwks.json`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until it expires (600).
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// A token endpoint error (RFC 6749 section 5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_client`, `invalid_request`, `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
    pub error_description: String,
}

fn invalid_client() -> ApiError {
    oauth_error("invalid_client", "client authentication failed")
}

/// `Authorization: Basic base64(id:secret)` (RFC 6749 section 2.3.1).
fn basic_credentials(req: &HttpRequest) -> Result<(String, String), ApiError> {
    let value = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(invalid_client)?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(invalid_client)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid_client());
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid_client)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid_client)?;
    // Both are form-urlencoded before encoding; ours need no escaping, but a
    // client library may still escape them.
    let unescape = |s: &str| -> Result<String, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&format!("v={s}")).map_err(|_| invalid_client())?;
        Ok(pairs.into_iter().next().map(|p| p.1).unwrap_or_default())
    };
    Ok((unescape(id)?, unescape(secret)?))
}

/// Issue an access token to a ministry client (client credentials grant).
#[utoipa::path(
    operation_id = "issue_access_token",
    tag = "ministry integration",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security(("client_secret_basic" = [])),
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 400, description = "invalid_request (not a form), unsupported_grant_type or invalid_scope (RFC 6749 JSON)", body = OAuthErrorBody),
        (status = 401, description = "invalid_client: unknown or revoked client, or wrong secret", body = OAuthErrorBody, headers(("WWW-Authenticate" = String, description = "Basic realm=\"shikaku\""))),
        (status = 429, description = "TOO_MANY_ATTEMPTS: a failed authentication from an address over its limit of failures (a correct secret is still accepted), or RATE_LIMITED: the client's rate is spent (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/oauth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (id, secret) = basic_credentials(&req)?;
    let issuer = &state.auth.clients;
    let form: TokenRequest = token_form(&req, &body)?;
    // Authenticate first: only a failed attempt counts, and against the
    // caller's address, never against the client it names (anyone may know a
    // client id; spending its bucket would lock the ministry out).
    let attempt = issuer.attempt(req.peer_addr().map(|a| a.ip())).await?;
    let legacy = attempt.within_limit();
    let Some(client) =
        clients::authenticate(&state.pool, issuer.secrets(), &id, &secret, legacy).await?
    else {
        return Err(attempt.failed(invalid_client()));
    };
    issuer.succeeded(attempt).await?;
    issuer.limit(&client.id).await?;
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        None => return Err(oauth_error("invalid_request", "grant_type is required")),
        Some(_) => {
            return Err(oauth_error(
                "unsupported_grant_type",
                "only client_credentials is supported",
            ))
        }
    }
    let scopes: Vec<String> = match form.scope.as_deref().map(str::trim) {
        None | Some("") => client.scopes.clone(),
        Some(wanted) => {
            let wanted: Vec<String> = wanted.split(' ').map(str::to_owned).collect();
            if let Some(bad) = wanted.iter().find(|s| !client.scopes.contains(s)) {
                return Err(ApiError::OAuth {
                    error: "invalid_scope",
                    description: format!("the client does not hold the scope {bad}"),
                });
            }
            wanted
        }
    };
    let access_token = issuer.issue(&client, &scopes);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL_SECONDS,
            scope: scopes.join(" "),
        }))
}

/// The keys that verify access tokens issued by `/oauth/token` (JWK Set).
#[utoipa::path(
    operation_id = "list_token_keys",
    tag = "ministry integration",
    responses(
        (status = 200, description = "JWK Set (EC P-256 keys, ES256)", body = crate::certificate::JwkSetView, content_type = "application/jwk-set+json"),
    )
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_string(state.auth.clients.jwks())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType(
            "application/jwk-set+json"
                .parse()
                .map_err(|_| ApiError::Internal("media type".into()))?,
        ))
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(body))
}
