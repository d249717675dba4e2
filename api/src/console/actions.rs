//! The case page's actions: each form posts here, is checked for its CSRF
//! token and the version it was rendered at, and becomes one command on the
//! case's bus. Refusals come back as words beside the form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use domain::error::ErrorKind;
use domain::examination::paper::PaperCommand;
use domain::examination::{ExaminationCommand, Outcome, REASON_CODES};
use domain::DomainError;
use eventstore::store::CommandError;
use serde::Deserialize;
use uuid::Uuid;

use super::case_page::page;
use super::case_view::{case_type_of, load};
use super::i18n::Text;
use super::session::SignedIn;
use super::view::{html, Chrome};
use super::ConsoleError;
use crate::application::{self, check_text};
use crate::error::FieldError;
use crate::telemetry::context;
use crate::AppState;

/// Every field any action form sends; each action reads its own.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub csrf: String,
    pub version: String,
    pub reason_code: String,
    pub message: String,
    pub outcome: String,
    pub note: String,
    pub examiner: String,
    pub receipt_reference: String,
    pub amount: String,
    pub received_on: String,
    pub attachment_ids: String,
    /// Scanned letters read from a multipart form (never from a urlencoded one).
    #[serde(skip)]
    pub scans: Vec<Vec<u8>>,
    pub flag: String,
    pub reason: String,
}

/// Why an action was not carried out, before or by the domain.
pub enum Refusal {
    Csrf,
    /// The store failed: logged, never shown.
    Store(String),
    Invalid(String),
    /// An upload over its limits (413), with the limits in words.
    TooLarge(String),
    Stale,
    Busy,
    Domain(DomainError),
}

fn field_words(errors: Vec<FieldError>) -> String {
    errors
        .into_iter()
        .map(|e| format!("{}: {}", e.pointer.trim_start_matches('/'), e.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

fn date(value: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Refusal::Invalid("received_on: YYYY-MM-DD".into()))
}

/// Turns a form into the command it asks for.
async fn command(
    state: &AppState,
    action: &str,
    form: ActionForm,
    session: &super::session::Session,
) -> Result<ExaminationCommand, Refusal> {
    let actor = session.actor();
    let at = Utc::now();
    let text = |field: &str, value: &str, max: usize| {
        let mut errors = Vec::new();
        check_text(&mut errors, field, value, max);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Invalid(field_words(errors)))
        }
    };
    let reason = |value: &str| {
        if REASON_CODES.contains(&value) {
            Ok(value.to_owned())
        } else {
            Err(Refusal::Invalid("reason_code".into()))
        }
    };
    Ok(match action {
        "claim" => ExaminationCommand::Assign {
            examiner: actor.id.clone(),
            actor,
            at,
        },
        "reassign" => {
            text("examiner", &form.examiner, 200)?;
            ExaminationCommand::Assign {
                examiner: form.examiner.trim().to_owned(),
                actor,
                at,
            }
        }
        "request-information" => {
            text("message", &form.message, 2000)?;
            ExaminationCommand::RequestInformation {
                reason_code: reason(&form.reason_code)?,
                message: form.message,
                actor,
                at,
            }
        }
        "propose" => {
            let outcome = match form.outcome.as_str() {
                "APPROVE" => Outcome::Approve,
                "REJECT" => Outcome::Reject,
                _ => return Err(Refusal::Invalid("outcome".into())),
            };
            let reason_code = match form.reason_code.as_str() {
                "" => None,
                code => Some(reason(code)?),
            };
            if form.note.chars().count() > 2000
                || form
                    .note
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r')
            {
                return Err(Refusal::Invalid("note".into()));
            }
            ExaminationCommand::ProposeDecision {
                outcome,
                reason_code,
                note: form.note,
                actor,
                at,
            }
        }
        "approve" => ExaminationCommand::ApproveDecision { actor, at },
        "return-proposal" => {
            text("reason", &form.reason, 2000)?;
            ExaminationCommand::ReturnProposal {
                reason: form.reason,
                actor,
                at,
            }
        }
        "clear-flag" => {
            text("reason", &form.reason, 2000)?;
            ExaminationCommand::ClearFlag {
                flag: form.flag,
                reason: form.reason,
                actor,
                at,
            }
        }
        "record-response" => {
            text("message", &form.message, 2000)?;
            let ids = form
                .attachment_ids
                .split([',', ' ', '\n'])
                .filter(|s| !s.trim().is_empty())
                .map(|s| Uuid::parse_str(s.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| Refusal::Invalid("attachment_ids".into()))?;
            let attachments = state
                .attachments
                .reference(&ids, &actor.id)
                .await
                .ok()
                .flatten()
                .ok_or(Refusal::Domain(DomainError::NotFound))?;
            ExaminationCommand::Paper(PaperCommand::RecordResponse {
                message: form.message,
                attachments,
                received_on: date(&form.received_on)?,
                actor,
                at,
            })
        }
        "record-withdrawal" => ExaminationCommand::Paper(PaperCommand::RecordWithdrawal {
            received_on: date(&form.received_on)?,
            actor,
            at,
        }),
        "record-payment" => {
            text("receipt_reference", &form.receipt_reference, 100)?;
            let amount: i64 = form
                .amount
                .trim()
                .parse()
                .map_err(|_| Refusal::Invalid("amount".into()))?;
            ExaminationCommand::Paper(PaperCommand::RecordPayment {
                receipt_reference: form.receipt_reference.trim().to_owned(),
                amount,
                received_on: date(&form.received_on)?,
                actor,
                at,
            })
        }
        _ => return Err(Refusal::Invalid("action".into())),
    })
}

/// `POST /console/cases/{case_type}/{id}/{action}`.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id, action) = path.into_inner();
    run(
        &state,
        &req,
        signed_in.0,
        segment,
        id,
        action,
        form.into_inner(),
        None,
    )
    .await
}

/// Carries out one action and answers with a redirect or the refusal in words.
/// `refused` is a refusal found before the form could be read (an upload).
#[allow(clippy::too_many_arguments)]
pub async fn run(
    state: &AppState,
    req: &HttpRequest,
    session: super::session::Session,
    segment: String,
    id: Uuid,
    action: String,
    form: ActionForm,
    refused: Option<Refusal>,
) -> Result<HttpResponse, ConsoleError> {
    let case_type = case_type_of(&segment)?;
    let outcome = if let Some(r) = refused {
        Err(r)
    } else if !session.csrf_ok(&form.csrf) {
        Err(Refusal::Csrf)
    } else {
        match form.version.trim().parse::<usize>() {
            Err(_) => Err(Refusal::Invalid("version".into())),
            Ok(version) => match command(state, &action, form, &session).await {
                Err(r) => Err(r),
                Ok(command) => {
                    let context = context(req, &session.actor());
                    state
                        .use_cases()
                        .examine_kind(&context, case_type, id, Some(version), command)
                        .await
                        .map_err(|e| match e {
                            application::Error::Command(e) => match e {
                                CommandError::Domain(e) => Refusal::Domain(e),
                                CommandError::VersionMismatch { .. } => Refusal::Stale,
                                CommandError::Conflict | CommandError::Unavailable(_) => {
                                    Refusal::Busy
                                }
                                CommandError::Store(s) => Refusal::Store(s),
                            },
                            other => Refusal::Store(other.to_string()),
                        })
                }
            },
        }
    };
    let refusal = match outcome {
        Ok(_) => {
            // Post/Redirect/Get: a reload never repeats the action.
            return Ok(HttpResponse::SeeOther()
                .insert_header((
                    "Location",
                    format!("/console/cases/{segment}/{id}?done={action}"),
                ))
                .finish());
        }
        Err(r) => r,
    };
    let chrome = Chrome::new(req, Some(&session));
    let t: Text = chrome.t;
    let (status, stale, words) = match refusal {
        Refusal::Store(e) => return Err(ConsoleError::Internal(e)),
        Refusal::Csrf => (
            StatusCode::FORBIDDEN,
            false,
            t.get("csrf_failed").to_owned(),
        ),
        Refusal::Invalid(what) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
            format!("{} ({what})", t.get("invalid_input")),
        ),
        Refusal::TooLarge(limits) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            false,
            format!("{} ({limits})", t.get("invalid_input")),
        ),
        Refusal::Stale => (StatusCode::CONFLICT, true, t.get("stale").to_owned()),
        Refusal::Busy => (StatusCode::CONFLICT, false, t.get("busy").to_owned()),
        Refusal::Domain(e) => {
            let words = match t.get(e.code()) {
                same if same == e.code() => e.to_string(),
                words => words.to_owned(),
            };
            let status = match e.kind() {
                ErrorKind::Conflict => StatusCode::CONFLICT,
                ErrorKind::Forbidden => StatusCode::FORBIDDEN,
                ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorKind::NotFound => StatusCode::NOT_FOUND,
            };
            (status, false, words)
        }
    };
    let case = load(state, &t, case_type, id).await?;
    let page = page(chrome, case, &session, None, stale, Some((action, words)));
    html(req, status, &page)
}
