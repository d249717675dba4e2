//! A document of a case, opened inline in the examiner's browser: only
//! through the case that references it, only for the examiners who may act
//! on that case, audited before it is served, and served so that it can run
//! nothing (CSP `sandbox`), be framed by nobody and never be sniffed.

use actix_web::{web, HttpRequest, HttpResponse};
use domain::DomainError;
use eventstore::store::CommandError;
use uuid::Uuid;

use super::case_view::case_type_of;
use super::session::SignedIn;
use super::ConsoleError;
use crate::application;
use crate::auth::{Caller, Grant};
use crate::AppState;

/// The purpose recorded for a document opened from the console's case page.
pub const CONSOLE_PURPOSE: &str = "examination of the case (console)";

/// What a document may do in the browser: nothing but be shown.
const DOCUMENT_POLICY: &str =
    "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// `GET /console/cases/{case_type}/{id}/attachments/{attachment_id}`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id, attachment_id) = path.into_inner();
    let kind = case_type_of(&segment)?;
    let reader = signed_in.0.actor();
    let caller = Caller(reader.clone(), Grant::default());
    let mut who = crate::audit::accessor(&req, &caller)?;
    who.purpose
        .get_or_insert_with(|| CONSOLE_PURPOSE.to_owned());
    let read = state
        .use_cases()
        .case_document(kind, id, attachment_id, &reader, &who)
        .await
        .map_err(|e| match e {
            application::Error::NotFound => ConsoleError::NotFound,
            application::Error::WrongRole(_)
            | application::Error::Command(CommandError::Domain(
                DomainError::NotAssignee | DomainError::WrongRole,
            )) => ConsoleError::NotOnTheCase,
            other => ConsoleError::Internal(other.to_string()),
        })?;
    Ok(HttpResponse::Ok()
        .content_type(read.attachment.content_type)
        .insert_header(("Content-Disposition", "inline"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Content-Security-Policy", DOCUMENT_POLICY))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(read.bytes))
}
