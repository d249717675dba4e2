//! What verifiers fetch and may cache: the keys and the signed status list.

use ::certificate::StatusListToken;
use actix_web::{get, web, HttpResponse};
use adapters::certificate::keys as published_keys;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use views::certificate_status as status;

use crate::error::{ApiError, Problem};
use crate::AppState;

/// Seconds a verifier may use a fetched status list before fetching it again.
const STATUS_LIST_TTL: i64 = 30;
/// How long a fetched status list stays usable offline.
const STATUS_LIST_LIFETIME: i64 = 7 * 24 * 3600;

/// One verification key (RFC 7517).
#[derive(Debug, Serialize, ToSchema)]
pub struct JwkView {
    /// RFC 7638 thumbprint; the `kid` in certificates' protected headers.
    pub kid: String,
    #[schema(example = "EC")]
    pub kty: String,
    #[schema(example = "P-256")]
    pub crv: String,
    pub x: String,
    pub y: String,
    #[schema(example = "ES256")]
    pub alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub key_use: String,
}

/// A JWK Set.
#[derive(Debug, Serialize, ToSchema)]
pub struct JwkSetView {
    pub keys: Vec<JwkView>,
}

/// The keys that verify certificates, the current one first and every
/// retired one after it (their certificates stay valid).
#[utoipa::path(
    operation_id = "list_certificate_keys",
    tag = "certificates",
    responses(
        (status = 200, description = "JWK Set", body = JwkSetView, content_type = "application/jwk-set+json",
            headers(("Cache-Control" = String, description = "public, max-age=300"))),
    )
)]
#[get("/v1/certificate-keys")]
pub async fn keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let set = published_keys::jwk_set(&state.pool).await?;
    let view = JwkSetView {
        keys: set
            .keys
            .into_iter()
            .map(|k| JwkView {
                kid: k.kid,
                kty: k.kty,
                crv: k.crv,
                x: k.x,
                y: k.y,
                alg: k.alg.unwrap_or_else(|| "ES256".into()),
                key_use: k.key_use.unwrap_or_else(|| "sig".into()),
            })
            .collect(),
    };
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(view))
}

/// The Status List Token (IETF OAuth Token Status List, CWT form): one bit
/// per certificate, 1 = revoked, zlib-compressed, signed like certificates.
#[utoipa::path(
    operation_id = "get_certificate_status_list",
    tag = "certificates",
    responses(
        (status = 200, description = "COSE_Sign1 bytes of the status list token", body = String, content_type = "application/statuslist+cwt",
            headers(("Cache-Control" = String, description = "public, max-age=<the list's time to live>"))),
        (status = 500, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/certificate-status-list")]
pub async fn status_list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let list = status::status_list(&state.pool).await?;
    let now = Utc::now().timestamp();
    let token = StatusListToken {
        subject: format!(
            "{}/v1/certificate-status-list",
            state.certificates.public_url
        ),
        issued_at: now,
        expires_at: Some(now + STATUS_LIST_LIFETIME),
        ttl: Some(STATUS_LIST_TTL),
        list,
    };
    Ok(HttpResponse::Ok()
        .content_type("application/statuslist+cwt")
        .insert_header((
            "Cache-Control",
            format!("public, max-age={STATUS_LIST_TTL}"),
        ))
        .body(token.sign(&state.certificates.key)))
}
