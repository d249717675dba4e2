//! The public qualification catalogue.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::case::Procedure;
use crate::error::{ApiError, FieldError};
use crate::AppState;

/// Refuses a registration number not written in its qualification's format
/// (422 naming the format), or an unknown qualification. Without a
/// qualification the number must be in the format of at least one.
pub(crate) fn check_registration_number(
    catalogue: &domain::catalogue::Catalogue,
    qualification_code: Option<&str>,
    number: &str,
) -> Result<(), ApiError> {
    let refuse = |pointer: &str, code: &str, detail: String| {
        Err(ApiError::Validation(vec![FieldError::new(
            pointer, code, detail,
        )]))
    };
    match qualification_code {
        Some(code) => match catalogue.qualification(code) {
            None => refuse(
                "/qualification_code",
                "UNKNOWN_VALUE",
                format!("no qualification {code} in the catalogue"),
            ),
            Some(q) if q.accepts_number(number) => Ok(()),
            Some(q) => refuse(
                "/registration_number",
                "INVALID_FORMAT",
                format!(
                    "must match the registration_number_format of {code}: {}",
                    q.registration_number_format.as_str()
                ),
            ),
        },
        None if catalogue
            .qualifications
            .iter()
            .any(|q| q.accepts_number(number)) =>
        {
            Ok(())
        }
        None => refuse(
            "/registration_number",
            "INVALID_FORMAT",
            "must match the registration_number_format of a qualification (GET /v1/qualifications)"
                .into(),
        ),
    }
}

/// An amount of money in whole yen.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Money {
    /// Whole yen (JPY has no minor unit).
    pub amount: i64,
    /// Always `JPY`.
    #[schema(example = "JPY")]
    pub currency: &'static str,
}

impl Money {
    /// An amount in yen.
    pub fn yen(amount: i64) -> Self {
        Self {
            amount,
            currency: "JPY",
        }
    }
}

/// The fee of a procedure, broken down.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeView {
    /// Registration licence tax.
    pub licence_tax: Money,
    /// Handling fee.
    pub handling_fee: Money,
    /// What the applicant pays.
    pub total: Money,
}

impl From<domain::money::Fee> for FeeView {
    fn from(f: domain::money::Fee) -> Self {
        Self {
            licence_tax: Money::yen(f.licence_tax),
            handling_fee: Money::yen(f.handling_fee),
            total: Money::yen(f.total()),
        }
    }
}

/// A procedure offered for a qualification.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureView {
    #[schema(example = "NEW_REGISTRATION")]
    pub procedure: Procedure,
    pub fee: FeeView,
    /// Days within which the office aims to decide.
    pub service_standard_days: i32,
}

/// A qualification of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationView {
    #[schema(example = "CARE_WORKER")]
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub ministry: String,
    /// Whether the registered domicile (honseki) is a registered matter.
    pub registers_domicile: bool,
    /// How its registration numbers are written: a regular expression over
    /// the whole number, e.g. `^[0-9]{1,10}$`, or for nursery teachers the
    /// registering prefecture and six digits (`東京都-012345`).
    #[schema(example = "^[0-9]{1,10}$")]
    pub registration_number_format: String,
    /// Years after a revocation before the same person may be registered
    /// again (counted from the day of the revocation); null: no bar.
    #[schema(example = 2)]
    pub revocation_bar_years: Option<u32>,
    pub procedures: Vec<ProcedureView>,
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationList {
    pub items: Vec<QualificationView>,
}

/// The catalogue of qualifications with their procedures, fees and service standards.
#[utoipa::path(
    operation_id = "list_qualifications",
    tag = "catalogue",
    responses((status = 200, description = "The catalogue", body = QualificationList))
)]
#[get("/v1/qualifications")]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    let items = state
        .catalogue
        .qualifications
        .iter()
        .map(|q| QualificationView {
            code: q.code.clone(),
            name_ja: q.name_ja.clone(),
            name_en: q.name_en.clone(),
            ministry: q.ministry.clone(),
            registers_domicile: q.registers_domicile,
            registration_number_format: q.registration_number_format.as_str().to_owned(),
            revocation_bar_years: q.revocation_bar_years,
            procedures: q
                .procedures
                .iter()
                .map(|p| ProcedureView {
                    procedure: p.procedure.into(),
                    fee: p.fee.into(),
                    service_standard_days: p.service_standard_days,
                })
                .collect(),
        })
        .collect();
    HttpResponse::Ok().json(QualificationList { items })
}
