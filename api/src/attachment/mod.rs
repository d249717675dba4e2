//! Document uploads: PDF, JPEG or PNG recognised by content, with limits on
//! the file and on the whole body; readable by their uploader here, and by
//! the staff who may act on a case only through that case (`case.rs`), where
//! each staff read is audited.

mod body;
pub(crate) mod case;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::attachment::AttachmentRef;
use domain::Role;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::AppState;
pub use body::{FormError, LimitedForm, FORM_OVERHEAD};

/// An uploaded document.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// application/pdf, image/jpeg or image/png.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content; recorded in the event that references it.
    pub sha256: String,
}

impl From<AttachmentRef> for AttachmentView {
    fn from(a: AttachmentRef) -> Self {
        Self {
            id: a.id,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
        }
    }
}

/// The multipart form of an upload (for the spec).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The document: PDF, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Resolves the attachment ids a caller references in a command, or 404.
pub async fn referenced(
    state: &AppState,
    ids: &[Uuid],
    caller: &Caller,
) -> Result<Vec<AttachmentRef>, ApiError> {
    Ok(state.use_cases().referenced(&caller.0.id, ids).await?)
}

/// The most parts an upload may have: the file and a few fields beside it.
const MAX_PARTS: usize = 8;

/// Upload a document (multipart field `file`).
#[utoipa::path(
    operation_id = "upload_attachment",
    tag = "attachments",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = AttachmentView),
        (status = 400, description = "Malformed multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not upload", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File over the limit, or the whole body over the limit plus 64 KiB, or more than 8 parts (PAYLOAD_TOO_LARGE)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, or not a PDF, JPEG or PNG", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No `file` field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/attachments")]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant, Role::Examiner, Role::SeniorExaminer])?;
    let is_multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(
            "upload the document as multipart/form-data in the field `file`".into(),
        ));
    }
    let limit = state.attachment_limit;
    let refused = |e: FormError| match e {
        FormError::TooLarge => ApiError::PayloadTooLarge(limit),
        FormError::Malformed => ApiError::BadRequest {
            code: "MALFORMED_MULTIPART",
            detail: "the multipart body could not be read".into(),
        },
    };
    // The whole body, not only the file: junk fields beside it count too.
    let mut form =
        LimitedForm::new(&req, payload, limit + FORM_OVERHEAD, MAX_PARTS).map_err(refused)?;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = form.next_part().await {
        let mut field = field.map_err(refused)?;
        if field.name() == Some("file") && file.is_none() {
            file = Some(form.read(&mut field, limit).await.map_err(refused)?);
        } else {
            form.skip(&mut field).await.map_err(refused)?;
        }
    }
    let file = file.ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            "/file",
            "REQUIRED",
            "send the document in the field `file`",
        )])
    })?;
    let stored = state.use_cases().upload(&caller.0.id, file).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/attachments/{}", stored.id)))
        .json(AttachmentView::from(stored)))
}

/// Download a document you uploaded. Staff read documents through the case
/// that references them: `GET /v1/{registrations|change-requests}/{id}/attachments/{attachment_id}`.
#[utoipa::path(
    operation_id = "download_attachment",
    tag = "attachments",
    params(("id" = Uuid, Path, description = "The attachment")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The document, as the type recognised at upload (served with nosniff, as a download)",
            content(("application/pdf"), ("image/jpeg"), ("image/png")),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"<id>.<pdf|jpg|png>\""),
                    ("X-Content-Type-Options" = String, description = "nosniff"),
                    ("Cache-Control" = String, description = "private, no-store"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff and ministries read documents only through a case (READ_THROUGH_CASE)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such attachment, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/attachments/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if caller.0.role != Role::Applicant {
        // Whether the document exists is not told: the answer is the same.
        return Err(ApiError::Forbidden {
            code: "READ_THROUGH_CASE",
            detail: "staff read a document through the case that references it: \
                     GET /v1/{registrations|change-requests}/{id}/attachments/{attachment_id}"
                .into(),
        });
    }
    let found = state
        .attachments
        .find(id.into_inner(), &caller.0.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let bytes = state.attachments.bytes(found.id).await?;
    Ok(document(&found, bytes))
}

/// A document as a download: its checked type, never sniffed, never cached.
fn document(found: &AttachmentRef, bytes: bytes::Bytes) -> HttpResponse {
    let extension = match found.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        _ => "png",
    };
    HttpResponse::Ok()
        .content_type(found.content_type.clone())
        .insert_header(("Cache-Control", "private, no-store"))
        // The browser must take the type we checked, never guess another.
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.{extension}\"", found.id),
        ))
        .body(bytes)
}
