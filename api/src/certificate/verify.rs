//! Public verification: the API and the page anyone opens from a QR code.

use ::certificate::{verify_certificate, Status, Verdict};
use actix_web::{get, post, web, HttpResponse};
use adapters::certificate::{keys, status};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{CertifiedFacts, NOTICE_EN, NOTICE_JA};
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::AppState;

/// A certificate to verify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    /// The token (base64url), or a verification URL carrying it in `c`.
    pub token: String,
}

/// What the verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationResult {
    /// VALID, SUSPENDED (for now), REVOKED (for good) or INVALID (not genuine).
    #[schema(example = "VALID")]
    pub result: String,
    /// Why a certificate is INVALID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The certified facts of a genuine certificate (VALID, SUSPENDED or REVOKED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<CertifiedFacts>,
    /// The key that signed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// What a verification proves and what it does not.
    pub notice: String,
}

/// Verifies against the published keys and the status lists' entries.
async fn check(state: &AppState, input: &str) -> Result<Verdict, ApiError> {
    let keys = keys::key_set(&state.pool).await?;
    Ok(
        match verify_certificate(input, &keys, |_| Some(Status::Valid)) {
            Verdict::Valid { claims, kid } => {
                let (uri, idx) = (&claims.status.uri, claims.status.idx);
                match status::status_at(&state.pool, uri, idx).await? {
                    Some(s) => Verdict::of_status(claims, kid, s),
                    None => Verdict::Invalid(::certificate::Invalid::StatusList(
                        "no certificate has this status index",
                    )),
                }
            }
            other => other,
        },
    )
}

fn result(verdict: &Verdict) -> VerificationResult {
    VerificationResult {
        result: verdict.result().into(),
        reason: match verdict {
            Verdict::Invalid(e) => Some(e.to_string()),
            _ => None,
        },
        facts: verdict.claims().map(|c| CertifiedFacts::from(&c.facts)),
        kid: verdict.kid().map(str::to_owned),
        notice: format!("{NOTICE_JA} {NOTICE_EN}"),
    }
}

/// Verify a certificate: VALID, SUSPENDED, REVOKED or INVALID with the certified facts.
/// Any forged or garbled token is INVALID (200), never an error.
#[utoipa::path(
    operation_id = "verify_certificate",
    tag = "certificates",
    request_body = VerificationRequest,
    responses(
        (status = 200, description = "The verdict", body = VerificationResult),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No token field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/certificate-verifications")]
pub async fn verifications(
    state: web::Data<AppState>,
    body: JsonBody<VerificationRequest>,
) -> Result<HttpResponse, ApiError> {
    let verdict = check(&state, &body.value.token).await?;
    Ok(HttpResponse::Ok().json(result(&verdict)))
}

/// The query of the verification page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The token (base64url) as a QR code carries it.
    pub c: Option<String>,
}

/// The verification page (Japanese and English) a QR code opens.
#[utoipa::path(
    operation_id = "verification_page",
    tag = "certificates",
    params(PageQuery),
    responses(
        (status = 200, description = "HTML page with VALID, SUSPENDED, REVOKED or INVALID and the certified facts", body = String, content_type = "text/html",
            headers(("Cache-Control" = String, description = "no-store"), ("Referrer-Policy" = String, description = "no-referrer"),
                    ("Content-Security-Policy" = String, description = "No script and no resource; the page's one style by hash; no framing"),
                    ("X-Frame-Options" = String, description = "DENY"),
                    ("X-Content-Type-Options" = String, description = "nosniff"))),
        (status = 400, description = "Malformed query string", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/verify")]
pub async fn page(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let body = match query.c.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(token) => super::html::render(Some(&check(&state, token).await?)),
        None => super::html::render(None),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Content-Security-Policy", super::html::policy()))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body))
}
