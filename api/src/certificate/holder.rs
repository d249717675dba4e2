//! The holder's own certificate: JSON, QR code (SVG) and printable PDF.

use ::certificate::encoding::{unb64, verification_url};
use ::certificate::token::read_unverified;
use ::certificate::{Claims, Status};
use actix_web::{get, web, HttpResponse};
use adapters::certificate::status;
use chrono::{DateTime, Utc};
use domain::certificate::IssuedCertificate;
use domain::Role;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{pdf, qr, CertifiedFacts};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::registration::visible;
use crate::AppState;

/// The holder's current certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateResource {
    pub certificate_id: Uuid,
    /// base64url of the COSE_Sign1 bytes (a CBOR Web Token).
    pub token: String,
    /// `<public url>/verify?c=<token>`: what the QR code holds.
    pub verification_url: String,
    pub issued_at: DateTime<Utc>,
    /// VALID; SUSPENDED while the registration is suspended; REVOKED after a
    /// re-issue, a change of name or a deletion (a new certificate follows a
    /// re-issue or change within moments).
    #[schema(example = "VALID")]
    pub status: String,
    /// Id of the key that signed it (see /v1/certificate-keys).
    pub kid: String,
    /// Its index in the status list.
    pub status_index: i64,
    /// The status list's URI (`/v1/certificate-status-list` or `/v1/status-lists/{n}`).
    pub status_list_uri: String,
    pub facts: CertifiedFacts,
}

/// The caller's certificate of registration `id` and its claims.
async fn current(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(IssuedCertificate, Claims, bool), ApiError> {
    let (reg, _) = visible(state, id, &caller.0).await?;
    // Another ministry's case is 404, not 403: its existence must not leak.
    crate::scope::check(state, caller, &reg.qualification_code)?;
    // Only the holder: examiners and ministries verify like anyone else.
    if caller.0.role != Role::Applicant {
        return Err(ApiError::wrong_role());
    }
    let issued = reg.certificate.ok_or(ApiError::Conflict {
        code: "CERTIFICATE_NOT_ISSUED",
        detail: "no certificate has been issued for this registration yet; one is issued shortly after registration".into(),
    })?;
    let claims = unb64(&issued.token)
        .ok()
        .and_then(|bytes| read_unverified(&bytes).ok())
        .ok_or_else(|| ApiError::Internal("a recorded certificate does not decode".into()))?;
    Ok((issued, claims, reg.certificate_revoked))
}

fn url(state: &AppState, token: &str) -> String {
    verification_url(&state.certificates.public_url, token)
}

/// The holder's current digital certificate (owner only).
#[utoipa::path(
    operation_id = "get_certificate",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The certificate", body = CertificateResource),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the holder fetches the certificate", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "CERTIFICATE_NOT_ISSUED: not registered, or the certificate is still being issued", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}/certificate")]
pub async fn certificate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (issued, claims, revoked) = current(&state, &caller, path.into_inner()).await?;
    let listed = status::status_of(&state.pool, issued.certificate_id).await?;
    let status = match (revoked, listed) {
        (true, _) | (_, Some(Status::Invalid)) => "REVOKED",
        (false, Some(Status::Suspended)) => "SUSPENDED",
        _ => "VALID",
    };
    Ok(HttpResponse::Ok().json(CertificateResource {
        certificate_id: issued.certificate_id,
        verification_url: url(&state, &issued.token),
        token: issued.token,
        issued_at: issued.issued_at,
        status: status.into(),
        kid: issued.kid,
        status_index: issued.status_index,
        status_list_uri: claims.status.uri.clone(),
        facts: CertifiedFacts::from(&claims.facts),
    }))
}

/// The QR code of the certificate's verification URL, as SVG (owner only).
#[utoipa::path(
    operation_id = "get_certificate_qr_svg",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "QR code (SVG)", body = String, content_type = "image/svg+xml"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the holder fetches the certificate", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "CERTIFICATE_NOT_ISSUED", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}/certificate.svg")]
pub async fn certificate_svg(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    svg_of(&state, &caller, path.into_inner()).await
}

/// The QR code of registration `id`'s certificate for `caller` (the API and the portal).
pub(crate) async fn svg_of(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    let (issued, _, _) = current(state, caller, id).await?;
    let svg = qr::svg(&url(state, &issued.token))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

/// The printable certificate: A4 PDF in Japanese with the QR code (owner only).
#[utoipa::path(
    operation_id = "get_certificate_pdf",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A4 PDF", body = String, content_type = "application/pdf",
            headers(("Content-Disposition" = String, description = "inline; filename=\"certificate-<id>.pdf\""))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the holder fetches the certificate", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "CERTIFICATE_NOT_ISSUED", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}/certificate.pdf")]
pub async fn certificate_pdf(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    pdf_of(&state, &caller, path.into_inner()).await
}

/// The printable certificate of registration `id` for `caller` (the API and the portal).
pub(crate) async fn pdf_of(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    let (issued, claims, _) = current(state, caller, id).await?;
    let font =
        state.certificates.font.clone().ok_or_else(|| {
            ApiError::Internal("no Japanese font configured for certificates".into())
        })?;
    let verification_url = url(state, &issued.token);
    let public_url = state.certificates.public_url.clone();
    // Font subsetting takes a few milliseconds: off the request threads.
    let bytes = web::block(move || pdf::render(&claims, &verification_url, &public_url, font))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!(
                "inline; filename=\"certificate-{}.pdf\"",
                claims_id(&issued)
            ),
        ))
        .body(bytes))
}

fn claims_id(issued: &IssuedCertificate) -> String {
    issued.certificate_id.simple().to_string()
}
