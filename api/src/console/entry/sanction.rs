//! Opening a sanction case (suspension or revocation) on a registration:
//! the examiner's form over the same use case as `POST
//! /v1/registrations/{id}/sanctions`, so it refuses what the API refuses.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::sanction::SanctionKind;
use uuid::Uuid;

use super::{enter, value, EntryForm, EntryPage, FormMap};
use crate::application::SanctionInput;
use crate::console::session::{Session, SignedIn};
use crate::console::view::{html, Choice};
use crate::console::ConsoleError;
use crate::error::{ApiError, FieldError};
use crate::telemetry::context;
use crate::AppState;

const SANCTION: EntryForm = EntryForm {
    title: "sanction_entry",
    action: "/console/sanctions",
    cases: "/console/cases/sanctions",
    inputs: &[
        ("registration_id", "text", true),
        ("reason", "text", true),
        ("legal_basis", "text", false),
        ("starts_on", "date", true),
        ("ends_on", "date", false),
    ],
};

fn sanction_page(
    req: &HttpRequest,
    session: &Session,
    form: &FormMap,
    errors: &[FieldError],
    error: Option<String>,
) -> EntryPage {
    SANCTION.page(req, session, form, errors, error, |t| {
        let kinds = Choice::list(t, &["SUSPENSION", "REVOCATION"], &value(form, "kind"));
        vec![("kind", kinds)]
    })
}

/// `GET /console/sanctions`.
pub async fn sanction_form(
    req: HttpRequest,
    signed_in: SignedIn,
) -> Result<HttpResponse, ConsoleError> {
    let page = sanction_page(&req, &signed_in.0, &FormMap::new(), &[], None);
    html(&req, StatusCode::OK, &page)
}

/// The sanction the form orders; dates are the fields typed here.
fn sanction(form: &FormMap) -> Result<SanctionInput, ApiError> {
    let mut errors = Vec::new();
    let mut date = |name: &str| -> Option<NaiveDate> {
        let v = value(form, name);
        if v.is_empty() {
            return None;
        }
        let parsed = v.parse().ok();
        if parsed.is_none() {
            errors.push(FieldError::new(format!("/{name}"), "INVALID", "YYYY-MM-DD"));
        }
        parsed
    };
    let starts_on = date("starts_on");
    let ends_on = date("ends_on");
    let kind = match value(form, "kind").as_str() {
        "SUSPENSION" => SanctionKind::Suspension,
        "REVOCATION" => SanctionKind::Revocation,
        _ => {
            errors.push(FieldError::new(
                "/kind",
                "UNKNOWN_VALUE",
                "SUSPENSION or REVOCATION",
            ));
            SanctionKind::Suspension
        }
    };
    let Some(starts_on) = starts_on.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push(FieldError::new("/starts_on", "REQUIRED", "YYYY-MM-DD"));
        }
        return Err(ApiError::Validation(errors));
    };
    Ok(SanctionInput {
        kind,
        reason: value(form, "reason"),
        legal_basis: value(form, "legal_basis"),
        starts_on,
        ends_on,
    })
}

/// `POST /console/sanctions`.
pub async fn open_sanction(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, ConsoleError> {
    let session = signed_in.0;
    let form = form.into_inner();
    let page = |errors: &[FieldError], error| sanction_page(&req, &session, &form, errors, error);
    let submit = async {
        let registration_id = Uuid::parse_str(&value(&form, "registration_id")).map_err(|_| {
            ApiError::Validation(vec![FieldError::new("/registration_id", "INVALID", "UUID")])
        })?;
        let input = sanction(&form)?;
        let context = context(&req, &session.actor());
        let pending = state
            .use_cases()
            .open_sanction(&context, registration_id, input)
            .await?;
        Ok(pending.commit().await?.id)
    };
    enter(&SANCTION, &req, &session, &form, page, submit).await
}
