//! What the applicant does on a case page: withdraw, answer the office's
//! request with documents, file a change, re-issue or deletion, and fetch
//! the certificate. Each is the use case the API's handler runs; refusals
//! come back as words on the case page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::change_request::MatterChanges;
use domain::examination::ExaminationCommand;
use domain::registration::Channel;
use domain::CaseKind;
use domain::{change_request::ChangeRequest, registration::QualificationRegistration};
use eventstore::cases::CaseBus;
use uuid::Uuid;

use super::case_page::{kind_of, load, page};
use super::session::Holder;
use super::{html, see_other, Frame, PortalError, Words};
use crate::application::{ChangeInput, EndorsementInput};
use crate::attachment::{FormError, LimitedForm, FORM_OVERHEAD};
use crate::auth::{Caller, Grant};
use crate::console::session::Session;
use crate::error::ApiError;
use crate::examination::ResponseInput;
use crate::telemetry::context;
use crate::AppState;

/// The most documents one answer may carry.
const MAX_DOCUMENTS: usize = 5;
/// The longest text field (a 2,000-character message in UTF-8, with room).
const TEXT_LIMIT: usize = 16 * 1024;

type FormMap = std::collections::HashMap<String, String>;

/// A refusal in the page's language, with its status.
fn refusal(t: &Words, e: ApiError) -> Result<(StatusCode, String), PortalError> {
    Ok(match e {
        ApiError::Validation(errors) => {
            let words = errors
                .iter()
                .map(|e| {
                    let field = t.get(e.pointer.trim_start_matches('/'));
                    let key = format!("field.{}", e.code);
                    let what = match t.get(&key) {
                        w if t.code() == "ja" && w != key => w.to_owned(),
                        _ => e.detail.clone(),
                    };
                    format!("{field}: {what}")
                })
                .collect::<Vec<_>>()
                .join(" / ");
            (StatusCode::UNPROCESSABLE_ENTITY, words)
        }
        ApiError::Domain(d) => {
            let words = match t.get(d.code()) {
                same if same == d.code() => d.to_string(),
                words => words.to_owned(),
            };
            (StatusCode::CONFLICT, words)
        }
        ApiError::NotFound => return Err(PortalError::NotFound),
        ApiError::Unprocessable { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t.get("upload_refused").to_owned(),
        ),
        ApiError::PayloadTooLarge(_) => {
            (StatusCode::PAYLOAD_TOO_LARGE, t.get("too_large").to_owned())
        }
        ApiError::Conflict { .. } | ApiError::PreconditionFailed(_) => {
            (StatusCode::CONFLICT, t.get("busy").to_owned())
        }
        ApiError::Forbidden { .. } => (StatusCode::FORBIDDEN, t.get("WRONG_ROLE").to_owned()),
        other => return Err(PortalError::Internal(other.to_string())),
    })
}

/// Answers an action: back to the case page with `done`, or the page again
/// with the refusal in words.
async fn answer(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    kind: CaseKind,
    id: Uuid,
    outcome: Result<String, ApiError>,
) -> Result<HttpResponse, PortalError> {
    let frame = Frame::new(req, Some(session));
    match outcome {
        Ok(location) => Ok(see_other(location)),
        Err(e) => {
            let (status, words) = refusal(&frame.t, e)?;
            let case = load(state, &frame.t, kind, id, &session.actor()).await?;
            html(req, status, &page(frame, case, session, None, Some(words)))
        }
    }
}

/// Runs an examination command on the applicant's case of `kind`.
async fn examine(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    kind: CaseKind,
    id: Uuid,
    command: impl FnOnce(domain::Actor, chrono::DateTime<chrono::Utc>) -> ExaminationCommand,
) -> Result<(), ApiError> {
    let context = context(req, &session.actor());
    let use_cases = state.use_cases();
    match kind {
        CaseKind::Registration => {
            examine_as::<QualificationRegistration>(&use_cases, &context, id, command).await
        }
        CaseKind::ChangeRequest => {
            examine_as::<ChangeRequest>(&use_cases, &context, id, command).await
        }
        CaseKind::Sanction => {
            examine_as::<domain::sanction::Sanction>(&use_cases, &context, id, command).await
        }
    }
}

async fn examine_as<C: CaseBus>(
    use_cases: &crate::application::UseCases<'_>,
    context: &crate::application::Context,
    id: Uuid,
    command: impl FnOnce(domain::Actor, chrono::DateTime<chrono::Utc>) -> ExaminationCommand,
) -> Result<(), ApiError> {
    use_cases.examine::<C>(context, id, None, command).await?;
    Ok(())
}

fn csrf_ok(session: &Session, form: &FormMap) -> Result<(), ApiError> {
    let submitted = form.get("csrf").map(String::as_str).unwrap_or_default();
    session
        .csrf_ok(submitted)
        .then_some(())
        .ok_or(ApiError::Forbidden {
            code: "CSRF_FAILED",
            detail: "the form's check token did not match".into(),
        })
}

/// `POST /portal/{registrations|change-requests}/{id}/withdraw`.
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
    path: web::Path<(String, Uuid)>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, PortalError> {
    let (segment, id) = path.into_inner();
    let kind = kind_of(&segment)?;
    let session = holder.0;
    let t = Frame::new(&req, Some(&session)).t;
    // Someone else's case is 404 before anything runs.
    let case = load(&state, &t, kind, id, &session.actor()).await?;
    let outcome = async {
        csrf_ok(&session, &form)?;
        examine(&state, &req, &session, kind, id, |actor, at| {
            ExaminationCommand::Withdraw { actor, at }
        })
        .await?;
        Ok(format!("{}?done=withdrawn", case.href))
    }
    .await;
    answer(&state, &req, &session, kind, id, outcome).await
}

/// The answer form as read: its message and documents.
#[derive(Default)]
struct AnswerForm {
    csrf: String,
    message: String,
    documents: Vec<Vec<u8>>,
}

/// Reads the multipart answer form, the CSRF token first (nothing more of a
/// form that is not this session's is read).
async fn read_answer(
    req: &HttpRequest,
    session: &Session,
    payload: web::Payload,
    limit: usize,
) -> Result<AnswerForm, ApiError> {
    let refusal = |e: FormError| match e {
        FormError::TooLarge => ApiError::PayloadTooLarge(limit),
        FormError::Malformed => ApiError::BadRequest {
            code: "MALFORMED_FORM",
            detail: "multipart".into(),
        },
    };
    let mut parts = LimitedForm::new(req, payload, 2 * limit + FORM_OVERHEAD, 2 + MAX_DOCUMENTS)
        .map_err(refusal)?;
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    let mut form = AnswerForm::default();
    let csrf_failed = || ApiError::Forbidden {
        code: "CSRF_FAILED",
        detail: "the form's check token did not match".into(),
    };
    let Some(first) = parts.next_part().await else {
        return Err(csrf_failed());
    };
    let mut first = first.map_err(refusal)?;
    if first.name() != Some("csrf") {
        return Err(csrf_failed());
    }
    form.csrf = text(parts.read(&mut first, TEXT_LIMIT).await.map_err(refusal)?);
    drop(first);
    if !session.csrf_ok(&form.csrf) {
        return Err(csrf_failed());
    }
    while let Some(part) = parts.next_part().await {
        let mut part = part.map_err(refusal)?;
        match part.name().unwrap_or_default() {
            "document" => {
                let file = parts.read(&mut part, limit).await.map_err(refusal)?;
                // A file input left empty still sends an empty part.
                if !file.is_empty() {
                    form.documents.push(file);
                }
            }
            "message" => {
                form.message = text(parts.read(&mut part, TEXT_LIMIT).await.map_err(refusal)?)
            }
            _ => parts.skip(&mut part).await.map_err(refusal)?,
        }
    }
    Ok(form)
}

/// `POST /portal/{registrations|change-requests}/{id}/respond` (multipart):
/// the answer to the office's request, with documents.
pub async fn respond(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
    path: web::Path<(String, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, PortalError> {
    let (segment, id) = path.into_inner();
    let kind = kind_of(&segment)?;
    let session = holder.0;
    let t = Frame::new(&req, Some(&session)).t;
    let case = load(&state, &t, kind, id, &session.actor()).await?;
    let outcome = async {
        let form = read_answer(&req, &session, payload, state.attachment_limit).await?;
        let mut input = ResponseInput {
            message: form.message,
            attachment_ids: Vec::new(),
        };
        input.validate().map_err(ApiError::Validation)?;
        let use_cases = state.use_cases();
        // Every document is checked before any is stored.
        if form
            .documents
            .iter()
            .any(|d| domain::attachment::sniff(d).is_none())
        {
            return Err(crate::application::Error::NotADocument.into());
        }
        for document in form.documents {
            input
                .attachment_ids
                .push(use_cases.upload(&session.sub, document).await?.id);
        }
        let attachments = use_cases
            .referenced(&session.sub, &input.attachment_ids)
            .await?;
        let message = input.message;
        examine(&state, &req, &session, kind, id, |actor, at| {
            ExaminationCommand::Respond {
                message,
                attachments,
                actor,
                at,
            }
        })
        .await?;
        Ok(format!("{}?done=responded", case.href))
    }
    .await;
    answer(&state, &req, &session, kind, id, outcome).await
}

fn given(form: &FormMap, name: &str) -> Option<String> {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `POST /portal/registrations/{id}/change-requests`: a change, re-issue or deletion.
pub async fn file_change(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
    path: web::Path<Uuid>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, PortalError> {
    let id = path.into_inner();
    let kind = CaseKind::Registration;
    let session = holder.0;
    let t = Frame::new(&req, Some(&session)).t;
    load(&state, &t, kind, id, &session.actor()).await?;
    let form = form.into_inner();
    let outcome = async {
        csrf_ok(&session, &form)?;
        let request_kind = given(&form, "kind").unwrap_or_default();
        // A deletion online is the holder's own request (a relative
        // notifies a death through the API's death notification).
        let reason = if request_kind == "DELETE_REGISTRATION" {
            Some("HOLDER_REQUEST".to_owned())
        } else {
            given(&form, "reason")
        };
        let input = ChangeInput {
            kind: request_kind,
            changes: MatterChanges {
                family_name: given(&form, "family_name"),
                given_name: given(&form, "given_name"),
                family_name_kana: given(&form, "family_name_kana"),
                given_name_kana: given(&form, "given_name_kana"),
                address: given(&form, "address"),
                registered_domicile: given(&form, "registered_domicile"),
            },
            reason,
            attachment_ids: Vec::new(),
            date_of_death: None,
            notifier_relationship: None,
            channel: Channel::Online,
            email: None,
            preferred_language: None,
            endorsement: EndorsementInput {
                code: given(&form, "endorsement_code"),
                action: given(&form, "endorsement_action"),
            },
        };
        let context = context(&req, &session.actor());
        let use_cases = state.use_cases();
        let checked = use_cases.check_change(&context, input)?;
        let filed = use_cases
            .file_change_request(&context, id, checked)
            .await?
            .commit()
            .await?;
        Ok(format!("/portal/change-requests/{}?done=filed", filed.id))
    }
    .await;
    answer(&state, &req, &session, kind, id, outcome).await
}

fn caller(session: &Session) -> Caller {
    Caller(session.actor(), Grant::default())
}

/// Where a certificate that cannot be served sends the holder: its page.
fn certificate_refusal(id: Uuid, e: ApiError) -> Result<HttpResponse, PortalError> {
    match e {
        ApiError::Conflict { .. } => Ok(see_other(format!("/portal/registrations/{id}"))),
        other => Err(other.into()),
    }
}

/// `GET /portal/registrations/{id}/certificate.pdf`.
pub async fn certificate_pdf(
    state: web::Data<AppState>,
    holder: Holder,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PortalError> {
    let id = path.into_inner();
    match crate::certificate::pdf_of(&state, &caller(&holder.0), id).await {
        Ok(response) => Ok(response),
        Err(e) => certificate_refusal(id, e),
    }
}

/// `GET /portal/registrations/{id}/certificate.svg`.
pub async fn certificate_svg(
    state: web::Data<AppState>,
    holder: Holder,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PortalError> {
    let id = path.into_inner();
    match crate::certificate::svg_of(&state, &caller(&holder.0), id).await {
        Ok(response) => Ok(response),
        Err(e) => certificate_refusal(id, e),
    }
}
