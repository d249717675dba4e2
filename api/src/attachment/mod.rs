//! Document uploads: PDF, JPEG or PNG recognised by content, with a size limit;
//! readable by the uploader and examiners only.

use actix_multipart::Multipart;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::attachment::AttachmentRef;
use domain::Role;
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::AppState;

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
        (status = 413, description = "File over the limit", body = Problem, content_type = "application/problem+json"),
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
    let malformed = || ApiError::BadRequest {
        code: "MALFORMED_MULTIPART",
        detail: "the multipart body could not be read".into(),
    };
    let mut form = Multipart::new(req.headers(), payload);
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| malformed())?;
        let wanted = field.name() == Some("file") && file.is_none();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| malformed())?;
            if wanted {
                if bytes.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge(limit));
                }
                bytes.extend_from_slice(&chunk);
            }
        }
        if wanted {
            file = Some(bytes);
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

/// Download a document (its uploader, or an examiner).
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
        (status = 404, description = "No such attachment, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/attachments/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let examiner = caller.0.role.is_examiner();
    let found = state
        .attachments
        .find(id.into_inner(), &caller.0.id, examiner)
        .await?
        .ok_or(ApiError::NotFound)?;
    let bytes = state.attachments.bytes(found.id).await?;
    let extension = match found.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        _ => "png",
    };
    Ok(HttpResponse::Ok()
        .content_type(found.content_type)
        .insert_header(("Cache-Control", "private, no-store"))
        // The browser must take the type we checked, never guess another.
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.{extension}\"", found.id),
        ))
        .body(bytes))
}
