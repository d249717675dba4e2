//! The holder's side: ask for a credential offer, see the wallet
//! credentials issued for a registration.

use actix_web::{get, post, web, HttpResponse};
use adapters::certificate::status::statuses_of;
use adapters::issuance::{credentials, offers, TX_CODE_LENGTH};
use chrono::{DateTime, Utc};
use domain::examination::CaseStatus;
use domain::registration::QualificationRegistration;
use domain::Role;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::standing::standing_of;
use super::{configuration_id, issuer, PRE_AUTHORIZED_GRANT};
use crate::auth::Caller;
use crate::certificate::qr;
use crate::error::{ApiError, Problem};
use crate::registration::visible;
use crate::AppState;

/// How the wallet asks for the transaction code.
#[derive(Debug, Serialize, ToSchema)]
pub struct TxCodeView {
    #[schema(example = "numeric")]
    pub input_mode: &'static str,
    #[schema(example = 6)]
    pub length: usize,
    pub description: &'static str,
}

/// A credential offer (OpenID4VCI 1.0, pre-authorized code flow).
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialOfferResource {
    pub id: Uuid,
    /// `openid-credential-offer://?credential_offer=...`: open it in the
    /// wallet, or scan `qr_svg`. Its transaction code is not in it: it was
    /// sent to the holder's inbox and mail.
    pub offer_uri: String,
    /// The offer object the URI carries.
    #[schema(value_type = Object)]
    pub credential_offer: Value,
    /// The QR code of `offer_uri`, as an SVG document.
    pub qr_svg: String,
    pub credential_configuration_id: String,
    pub tx_code: TxCodeView,
    /// After this the code is no longer accepted (10 minutes).
    pub expires_at: DateTime<Utc>,
}

/// A wallet credential issued for the registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletCredentialView {
    pub id: Uuid,
    pub credential_configuration_id: String,
    /// VALID; SUSPENDED while the registration is suspended; INVALID once
    /// revoked for good (a re-issue, a change of name or the deletion
    /// superseded it: ask for a fresh one); EXPIRED after `expires_at`.
    #[schema(example = "VALID")]
    pub status: &'static str,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Its entry in the status list (`status.status_list` of the credential).
    pub status_index: i64,
    pub status_uri: String,
    /// RFC 7638 thumbprint of the wallet key it is bound to.
    pub holder_key_thumbprint: String,
}

/// The holder's wallet credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletCredentialList {
    pub items: Vec<WalletCredentialView>,
}

/// The registration of the holder calling, or 404 (not theirs) / 403 (not a holder).
async fn holders(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<QualificationRegistration, ApiError> {
    let (reg, _) = visible(state, id, &caller.0).await?;
    crate::scope::check(state, caller, &reg.qualification_code)?;
    if caller.0.role != Role::Applicant {
        return Err(ApiError::wrong_role());
    }
    Ok(reg)
}

/// Whether a wallet credential issued under `certificate_id` still stands.
pub fn wallet_status(
    reg: &QualificationRegistration,
    certificate_id: Uuid,
    expires_at: DateTime<Utc>,
) -> &'static str {
    let current = reg.certificate.as_ref().map(|c| c.certificate_id) == Some(certificate_id)
        && !reg.certificate_revoked
        && reg.status() == CaseStatus::Registered;
    match (current, expires_at > Utc::now()) {
        (false, _) => "INVALID",
        (true, false) => "EXPIRED",
        (true, true) => "VALID",
    }
}

/// Ask for an offer of this registration as a wallet credential (holder only).
#[utoipa::path(
    operation_id = "create_credential_offer",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The offer; its transaction code is in the holder's inbox and mail", body = CredentialOfferResource),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the holder asks for a wallet credential (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "CERTIFICATE_NOT_ISSUED: not registered, deleted, or its certificate is still being issued", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/credential-offers")]
pub async fn create_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let reg = holders(&state, &caller, id).await?;
    if reg.status() != CaseStatus::Registered
        || reg.certificate.is_none()
        || reg.certificate_revoked
    {
        return Err(ApiError::Conflict {
            code: "CERTIFICATE_NOT_ISSUED",
            detail: "a wallet credential is offered for a registration with a current certificate; one is issued shortly after registration or a change".into(),
        });
    }
    let configuration = configuration_id(&reg.qualification_code);
    let mut tx = state.pool.begin().await?;
    let offer = offers::create(&mut tx, id, &caller.0.id, &configuration).await?;
    state
        .notices
        .tell_offer_code(&mut tx, id, offer.id, &offer.tx_code)
        .await?;
    tx.commit().await?;
    let tx_code = TxCodeView {
        input_mode: "numeric",
        length: TX_CODE_LENGTH,
        description: "The code sent to your inbox and mail / 受信箱とメールに届いた確認コード",
    };
    let credential_offer = json!({
        "credential_issuer": issuer(&state),
        "credential_configuration_ids": [configuration],
        "grants": {PRE_AUTHORIZED_GRANT: {
            "pre-authorized_code": offer.pre_authorized_code,
            "tx_code": tx_code,
        }},
    });
    let offer_uri = format!(
        "openid-credential-offer://?{}",
        serde_urlencoded::to_string([("credential_offer", credential_offer.to_string())])
            .map_err(|e| ApiError::Internal(e.to_string()))?
    );
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CredentialOfferResource {
            id: offer.id,
            qr_svg: qr::svg(&offer_uri)?,
            offer_uri,
            credential_offer,
            credential_configuration_id: configuration,
            tx_code,
            expires_at: offer.expires_at,
        }))
}

/// The wallet credentials issued for this registration and whether each
/// still stands (holder only).
#[utoipa::path(
    operation_id = "list_wallet_credentials",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = WalletCredentialList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the holder (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}/wallet-credentials")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let reg = holders(&state, &caller, id).await?;
    Ok(HttpResponse::Ok().json(WalletCredentialList {
        items: views(&state, id, &reg).await?,
    }))
}

/// The wallet credentials of a registration as the holder sees them.
pub async fn views(
    state: &AppState,
    id: Uuid,
    reg: &QualificationRegistration,
) -> Result<Vec<WalletCredentialView>, ApiError> {
    let records = credentials::of_registration(&state.pool, id).await?;
    let ids: Vec<Uuid> = records.iter().map(|c| c.id).collect();
    let listed = statuses_of(&state.pool, &ids).await?;
    Ok(records
        .into_iter()
        .map(|c| WalletCredentialView {
            status: match standing_of(reg, c.certificate_id, listed.get(&c.id).copied()) {
                "VALID" if c.expires_at <= Utc::now() => "EXPIRED",
                standing => standing,
            },
            id: c.id,
            credential_configuration_id: c.configuration_id,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            status_index: c.status_index,
            status_uri: c.status_uri,
            holder_key_thumbprint: c.holder_key,
        })
        .collect())
}
