//! Entering paper applications and paper change requests, and opening sanctions. The forms make the
//! use cases' typed inputs, so the validation is the one the API's uses.

mod change;
mod registration;
mod sanction;

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use uuid::Uuid;

pub use self::change::{change_form, enter_change};
pub use self::registration::{enter_registration, registration_form};
pub use self::sanction::{open_sanction, sanction_form};
use super::i18n::Text;
use super::session::Session;
use super::view::{html, Choice, Chrome};
use super::ConsoleError;
use crate::error::{ApiError, FieldError};

/// One input of an entry form.
pub struct Field {
    pub name: &'static str,
    pub input_type: &'static str,
    pub value: String,
    pub required: bool,
    pub error: Option<String>,
    pub help: Option<&'static str>,
}

/// An entry form: its inputs, selects and errors.
#[derive(Template)]
#[template(path = "console/entry.html")]
struct EntryPage {
    chrome: Chrome,
    title: &'static str,
    action: &'static str,
    csrf: String,
    selects: Vec<(&'static str, Vec<Choice>)>,
    fields: Vec<Field>,
    error: Option<String>,
}

type FormMap = std::collections::HashMap<String, String>;

/// What sets one entry form apart from the other.
struct EntryForm {
    /// The i18n key of its heading.
    title: &'static str,
    /// Where it posts.
    action: &'static str,
    /// Where the cases it opens are shown.
    cases: &'static str,
    /// Its inputs: name, HTML input type, required.
    inputs: &'static [(&'static str, &'static str, bool)],
}

impl EntryForm {
    /// The form as entered so far, with its selects (built in the page's
    /// language) and what was refused.
    fn page(
        &self,
        req: &HttpRequest,
        session: &Session,
        form: &FormMap,
        errors: &[FieldError],
        error: Option<String>,
        selects: impl FnOnce(&Text) -> Vec<(&'static str, Vec<Choice>)>,
    ) -> EntryPage {
        let chrome = Chrome::new(req, Some(session));
        let t = chrome.t;
        EntryPage {
            title: self.title,
            action: self.action,
            csrf: session.csrf.clone(),
            selects: selects(&t),
            fields: fields(&t, self.inputs, form, errors),
            error,
            chrome,
        }
    }
}

fn value(form: &FormMap, name: &str) -> String {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// A field error in the page's language: the API's English detail, or the
/// Japanese words for its stable code.
fn field_words(t: &Text, e: &FieldError) -> String {
    let key = format!("field.{}", e.code);
    match t.get(&key) {
        words if t.code() == "ja" && words != key => words.to_owned(),
        _ => e.detail.clone(),
    }
}

fn fields(
    t: &Text,
    spec: &[(&'static str, &'static str, bool)],
    form: &FormMap,
    errors: &[FieldError],
) -> Vec<Field> {
    spec.iter()
        .map(|(name, input_type, required)| Field {
            name,
            input_type,
            // The My Number is never written back into a page.
            value: if *name == "my_number" {
                String::new()
            } else {
                value(form, name)
            },
            required: *required,
            error: errors
                .iter()
                .filter(|e| {
                    let p = e.pointer.trim_start_matches('/');
                    p == *name || p.strip_prefix("changes/") == Some(name)
                })
                .map(|e| field_words(t, e))
                .reduce(|a, b| format!("{a}; {b}")),
            help: (*name == "my_number").then_some("my_number_help"),
        })
        .collect()
}

/// Words for an API refusal of an entry.
fn refusal(t: &Text, e: ApiError) -> Result<(StatusCode, Vec<FieldError>, String), ConsoleError> {
    Ok(match e {
        ApiError::Validation(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            t.get("field_errors").to_owned(),
        ),
        ApiError::Domain(d) => {
            let words = match t.get(d.code()) {
                same if same == d.code() => d.to_string(),
                words => words.to_owned(),
            };
            (StatusCode::CONFLICT, vec![], words)
        }
        ApiError::NotFound => (
            StatusCode::NOT_FOUND,
            vec![FieldError::new(
                "/registration_id",
                "NOT_FOUND",
                t.get("not_found"),
            )],
            t.get("field_errors").to_owned(),
        ),
        ApiError::Conflict { .. } => (StatusCode::CONFLICT, vec![], t.get("busy").to_owned()),
        ApiError::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            vec![],
            t.get("WRONG_ROLE").to_owned(),
        ),
        // Anything else is ours, not the examiner's: logged, never shown.
        other => return Err(ConsoleError::Internal(other.to_string())),
    })
}

/// Submits an entered form through `submit`, which runs only when the form
/// carries the session's CSRF token, and sends the examiner to the new case
/// of `entry`; else shows the form again (`page`) with what was refused.
async fn enter(
    entry: &EntryForm,
    req: &HttpRequest,
    session: &Session,
    form: &FormMap,
    page: impl Fn(&[FieldError], Option<String>) -> EntryPage,
    submit: impl Future<Output = Result<Uuid, ApiError>>,
) -> Result<HttpResponse, ConsoleError> {
    let t = Text(super::i18n::Lang::of(req));
    if !session.csrf_ok(&value(form, "csrf")) {
        let page = page(&[], Some(t.get("csrf_failed").into()));
        return html(req, StatusCode::FORBIDDEN, &page);
    }
    match submit.await {
        Ok(id) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("{}/{id}?done=entered", entry.cases)))
            .finish()),
        Err(e) => {
            let (status, errors, words) = refusal(&t, e)?;
            html(req, status, &page(&errors, Some(words)))
        }
    }
}
