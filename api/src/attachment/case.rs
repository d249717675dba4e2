//! Reading a document through the case that references it: the one way staff
//! read documents. The case's applicant may read them too; staff only when
//! they may act on the case, and every staff read is audited with the case,
//! the document and the purpose before the bytes go out.

use actix_web::{HttpRequest, HttpResponse};
use domain::CaseKind;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

/// The purpose recorded for a staff read that states none in `X-Purpose`:
/// the route itself says what it is for.
pub const EXAMINATION_PURPOSE: &str = "examination of the case";

pub(crate) async fn read(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    kind: CaseKind,
    (case_id, attachment_id): (Uuid, Uuid),
) -> Result<HttpResponse, ApiError> {
    let mut who = crate::audit::accessor(req, caller)?;
    who.purpose
        .get_or_insert_with(|| EXAMINATION_PURPOSE.to_owned());
    let read = state
        .use_cases()
        .case_document(kind, case_id, attachment_id, &caller.0, &who)
        .await?;
    Ok(super::document(&read.attachment, read.bytes))
}

/// Generates the download of one case kind's documents, with its docs.
macro_rules! case_document_endpoint {
    ($name:ident, $kind:expr, $tag:literal, $path:literal) => {
        /// Download a document the case references: its applicant, the
        /// examiner assigned to it, or a senior examiner while it is open.
        /// Staff reads are recorded in the audit log (and the holder's access
        /// log) with the case, the document and `X-Purpose`.
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = Uuid, Path, description = "The case"),
                ("attachment_id" = Uuid, Path, description = "A document the case references"),
                ("X-Purpose" = Option<String>, Header, description = "Why staff read the document; kept in the audit log (at most 200 characters; default: examination of the case)"),
            ),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The document, as the type recognised at upload (served with nosniff, as a download)",
                    content(("application/pdf"), ("image/jpeg"), ("image/png")),
                    headers(("Content-Disposition" = String, description = "attachment; filename=\"<id>.<pdf|jpg|png>\""),
                            ("X-Content-Type-Options" = String, description = "nosniff"),
                            ("Cache-Control" = String, description = "private, no-store"))),
                (status = 400, description = "X-Purpose too long or not text (INVALID_PURPOSE)", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "An examiner who may not act on the case (NOT_ASSIGNED_EXAMINER), or a ministry or administrator (WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case, not yours, or a document the case does not reference", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            path: web::Path<(Uuid, Uuid)>,
        ) -> Result<HttpResponse, ApiError> {
            crate::attachment::case::read(&state, &req, &caller, $kind, path.into_inner()).await
        }
    };
}

pub(crate) use case_document_endpoint;
