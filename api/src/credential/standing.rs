//! Where a registration's certificates and wallet credentials stand, as
//! their holder and the office's staff see them: when each was issued and
//! what the status list says of it (VALID, SUSPENDED, INVALID), on the
//! registration (`GET /v1/registrations/{id}`) and at `.../credentials`.

use actix_web::{get, web, HttpResponse};
use certificate::Status;
use chrono::{DateTime, Utc};
use domain::examination::CaseStatus;
use domain::registration::QualificationRegistration;
use domain::{Actor, Role};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

use super::offer::WalletCredentialView;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::registration::visible;
use crate::AppState;

/// A certificate issued for the registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateStanding {
    pub certificate_id: Uuid,
    pub issued_at: DateTime<Utc>,
    /// VALID; SUSPENDED while the registration is suspended (valid again
    /// when the suspension ends); INVALID once revoked for good (a
    /// re-issue, a change of name or the deletion superseded it).
    #[schema(example = "VALID")]
    pub status: &'static str,
    /// The certificate the registration holds now (the newest one).
    pub current: bool,
}

/// A registration's certificates and wallet credentials, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationCredentials {
    pub certificates: Vec<CertificateStanding>,
    pub wallet_credentials: Vec<WalletCredentialView>,
}

/// Whether `viewer` may see a registration's credentials: its holder and
/// the office's staff; a ministry verifies like anyone else.
pub fn may_see(viewer: &Actor) -> bool {
    viewer.role == Role::Applicant || viewer.role.is_examiner() || viewer.role == Role::Admin
}

/// The status-list name of a status.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Valid => "VALID",
        Status::Suspended => "SUSPENDED",
        _ => "INVALID",
    }
}

/// What the holder is told of a credential standing on certificate
/// `certificate_id`: the list's state, except that one the aggregate
/// already knows superseded is INVALID before the revoking subscription
/// has run (the aggregate is never stale).
pub fn standing_of(
    reg: &QualificationRegistration,
    certificate_id: Uuid,
    listed: Option<Status>,
) -> &'static str {
    let current = reg.certificate.as_ref().map(|c| c.certificate_id) == Some(certificate_id);
    let superseded = !current || reg.certificate_revoked || reg.status() == CaseStatus::Deleted;
    match listed {
        _ if superseded => "INVALID",
        Some(status) => status_name(status),
        None => "VALID",
    }
}

/// The certificates and wallet credentials of registration `id`.
pub async fn of_registration(
    state: &AppState,
    id: Uuid,
    reg: &QualificationRegistration,
) -> Result<RegistrationCredentials, ApiError> {
    let ids = &reg.issued_certificates;
    // No wallet credential without a certificate: nothing to read.
    if ids.is_empty() {
        return Ok(RegistrationCredentials {
            certificates: Vec::new(),
            wallet_credentials: Vec::new(),
        });
    }
    // The view's issue time, or the allocation's while the view catches up.
    let rows = sqlx::query(
        "SELECT e.owner_id, e.status, coalesce(s.issued_at, e.allocated_at) AS issued_at
         FROM status_list_entries e
         LEFT JOIN certificate_status s ON s.certificate_id = e.owner_id
         WHERE e.owner_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&state.pool)
    .await?;
    let mut certificates: Vec<CertificateStanding> = rows
        .into_iter()
        .map(|r| {
            let certificate_id: Uuid = r.get("owner_id");
            let listed = Status::from_value(r.get::<i16, _>("status") as u8);
            let current = reg.certificate.as_ref();
            let issued_at = current
                .filter(|c| c.certificate_id == certificate_id)
                .map_or_else(|| r.get("issued_at"), |c| c.issued_at);
            CertificateStanding {
                certificate_id,
                issued_at,
                status: standing_of(reg, certificate_id, Some(listed)),
                current: current.map(|c| c.certificate_id) == Some(certificate_id),
            }
        })
        .collect();
    certificates.sort_by_key(|c| std::cmp::Reverse(c.issued_at));
    Ok(RegistrationCredentials {
        certificates,
        wallet_credentials: super::offer::views(state, id, reg).await?,
    })
}

/// The certificates and wallet credentials of a registration and where each
/// stands (its holder and the office's staff).
#[utoipa::path(
    operation_id = "list_registration_credentials",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = RegistrationCredentials),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A ministry (WRONG_ROLE): it verifies certificates like anyone else", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}/credentials")]
pub async fn credentials(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if !may_see(&caller.0) {
        return Err(ApiError::wrong_role());
    }
    let (reg, _) = visible(&state, id, &caller.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(of_registration(&state, id, &reg).await?))
}
