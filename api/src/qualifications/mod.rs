//! The public qualification catalogue, and the publishing of new versions.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::AppState;

pub mod versions;
mod view;

pub use view::QualificationList;

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

/// The catalogue in force: every qualification with its procedures, fee
/// schedules, validity, endorsements, prerequisite and sanctions.
#[utoipa::path(
    operation_id = "list_qualifications",
    tag = "catalogue",
    responses((status = 200, description = "The catalogue", body = QualificationList))
)]
#[get("/v1/qualifications")]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    // The test clock's date, so that a fee raised from a later day shows once it has come.
    HttpResponse::Ok().json(QualificationList::of(&state.catalogue, state.clock.today()))
}
