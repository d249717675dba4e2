//! Record response with the scanned letter: the one console form that
//! uploads files (multipart), stored like `POST /v1/attachments` stores them.
//! Nothing is buffered for a form that is not this session's: the CSRF token
//! must be the first part (the form puts it first) and is checked before any
//! other part is read. The body is limited as a whole (a declared length
//! over the limit is refused before a byte is read), and so are the number
//! of parts and of scans.

use actix_web::{web, HttpRequest, HttpResponse};
use domain::attachment::sniff;
use uuid::Uuid;

use super::actions::{run, ActionForm, Refusal};
use super::session::{Session, SignedIn};
use super::ConsoleError;
use crate::attachment::{FormError, LimitedForm, FORM_OVERHEAD};
use crate::AppState;

/// The most scans one response may carry.
pub const MAX_SCANS: usize = 5;
/// The most parts: the form's five text fields and the scans.
const MAX_PARTS: usize = 5 + MAX_SCANS;
/// The longest text field (a 2,000-character message in UTF-8, with room).
const TEXT_LIMIT: usize = 16 * 1024;

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
    let mut form = ActionForm::default();
    let limit = state.attachment_limit;
    let mut refused = read(&req, &session, payload, limit, &mut form).await.err();
    if let Some(scans) = refused.is_none().then(|| std::mem::take(&mut form.scans)) {
        // Every scan is checked before any is stored: a refused form stores nothing.
        let mut types = Vec::with_capacity(scans.len());
        for scan in &scans {
            match sniff(scan) {
                Some(t) => types.push(t),
                None => refused = Some(Refusal::Invalid("scan: PDF, JPEG or PNG".into())),
            }
        }
        if refused.is_none() {
            for (scan, content_type) in scans.into_iter().zip(types) {
                let stored = state
                    .attachments
                    .put(&session.sub, content_type, scan.into())
                    .await
                    .map_err(|e| ConsoleError::Internal(e.to_string()))?;
                form.attachment_ids.push_str(&format!(",{}", stored.id));
            }
        }
    }
    run(&state, &req, session, segment, id, action, form, refused).await
}

/// Reads the form into `form` (its scans into `form.scans`), refusing at the
/// first part that breaks a rule.
async fn read(
    req: &HttpRequest,
    session: &Session,
    payload: web::Payload,
    limit: usize,
    form: &mut ActionForm,
) -> Result<(), Refusal> {
    let refusal = |e: FormError| match e {
        FormError::TooLarge => Refusal::TooLarge(format!(
            "at most {MAX_SCANS} scans of {limit} bytes each, {} bytes in all",
            2 * limit
        )),
        FormError::Malformed => Refusal::Invalid("multipart".into()),
    };
    let mut parts =
        LimitedForm::new(req, payload, 2 * limit + FORM_OVERHEAD, MAX_PARTS).map_err(refusal)?;
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    // The CSRF token first, and nothing more of a form that is not ours.
    let Some(first) = parts.next_part().await else {
        return Err(Refusal::Csrf);
    };
    let mut first = first.map_err(refusal)?;
    if first.name() != Some("csrf") {
        return Err(Refusal::Csrf);
    }
    form.csrf = text(parts.read(&mut first, TEXT_LIMIT).await.map_err(refusal)?);
    // The next part is read only once this one is let go.
    drop(first);
    if !session.csrf_ok(&form.csrf) {
        return Err(Refusal::Csrf);
    }
    while let Some(part) = parts.next_part().await {
        let mut part = part.map_err(refusal)?;
        let name = part.name().unwrap_or_default().to_owned();
        if name == "scan" {
            let scan = parts.read(&mut part, limit).await.map_err(refusal)?;
            // A file input left empty still sends an empty part.
            if !scan.is_empty() {
                if form.scans.len() == MAX_SCANS {
                    return Err(refusal(FormError::TooLarge));
                }
                form.scans.push(scan);
            }
            continue;
        }
        let value = text(parts.read(&mut part, TEXT_LIMIT).await.map_err(refusal)?);
        match name.as_str() {
            "version" => form.version = value,
            "message" => form.message = value,
            "received_on" => form.received_on = value,
            "attachment_ids" => form.attachment_ids = value,
            _ => {}
        }
    }
    Ok(())
}
