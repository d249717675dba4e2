//! Record response with the scanned letter: the one console form that
//! uploads a file (multipart), stored like `POST /v1/attachments` stores it.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::attachment::sniff;
use futures_util::StreamExt;
use uuid::Uuid;

use super::actions::{run, ActionForm, Refusal};
use super::session::SignedIn;
use super::ConsoleError;
use crate::AppState;

/// `POST /console/cases/{case_type}/{id}/record-response` (multipart/form-data).
pub async fn record_response(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id) = path.into_inner();
    let session = signed_in.0;
    let action = "record-response".to_owned();
    let limit = state.attachment_limit;
    let mut form = ActionForm::default();
    let mut scans: Vec<Vec<u8>> = Vec::new();
    let mut refused = None;
    let mut parts = Multipart::new(req.headers(), payload);
    while let Some(part) = parts.next().await {
        let Ok(mut part) = part else {
            refused = Some(Refusal::Invalid("multipart".into()));
            break;
        };
        let name = part.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let Ok(chunk) = chunk else { break };
            // Text fields are small; a scan may be as large as the upload limit.
            if bytes.len() + chunk.len() > limit {
                refused = Some(Refusal::Invalid(format!("scan: at most {limit} bytes")));
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => form.csrf = text(),
            "version" => form.version = text(),
            "message" => form.message = text(),
            "received_on" => form.received_on = text(),
            "attachment_ids" => form.attachment_ids = text(),
            "scan" if !bytes.is_empty() => scans.push(bytes),
            _ => {}
        }
    }
    // Nothing is stored for a form that did not come from this session.
    if refused.is_none() && session.csrf_ok(&form.csrf) {
        for scan in scans {
            let Some(content_type) = sniff(&scan) else {
                refused = Some(Refusal::Invalid("scan: PDF, JPEG or PNG".into()));
                break;
            };
            let stored = state
                .attachments
                .put(&session.sub, content_type, scan.into())
                .await
                .map_err(|e| ConsoleError::Internal(e.to_string()))?;
            form.attachment_ids.push_str(&format!(",{}", stored.id));
        }
    }
    run(&state, &req, session, segment, id, action, form, refused).await
}
