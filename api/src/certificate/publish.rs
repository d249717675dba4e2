//! What verifiers fetch and may cache: the keys (the signed status lists
//! are in `status_list`).

use actix_web::{get, web, HttpResponse};
use adapters::certificate::keys as published_keys;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::AppState;

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
