//! The public qualification catalogue.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

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
    /// NEW_REGISTRATION, CHANGE_NAME, CHANGE_ADDRESS, CHANGE_DOMICILE, REISSUE_CERTIFICATE or DELETE_REGISTRATION.
    #[schema(example = "NEW_REGISTRATION")]
    pub procedure: &'static str,
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
    pub procedures: Vec<ProcedureView>,
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationList {
    pub items: Vec<QualificationView>,
}

/// The catalogue of qualifications with their procedures, fees and service standards.
#[utoipa::path(
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
            procedures: q
                .procedures
                .iter()
                .map(|p| ProcedureView {
                    procedure: p.procedure.as_str(),
                    fee: p.fee.into(),
                    service_standard_days: p.service_standard_days,
                })
                .collect(),
        })
        .collect();
    HttpResponse::Ok().json(QualificationList { items })
}
