//! Applying for a new registration online: the form makes the use case's
//! [`Application`], so its checks are the API's, every error at once.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use domain::catalogue::Procedure;
use domain::registration::Channel;

use super::session::Holder;
use super::{html, see_other, Frame, PortalError, Words};
use crate::application::Application;
use crate::console::session::Session;
use crate::console::view::Choice;
use crate::error::{ApiError, FieldError};
use crate::telemetry::context;
use crate::AppState;

type FormMap = std::collections::HashMap<String, String>;

/// The inputs: name, HTML type, autocomplete, help key, required of everyone.
/// The kana and the registered domicile are required of Japanese nationals
/// only; the nationality only of everyone else (the help says so).
const INPUTS: &[(&str, &str, &str, Option<&str>, bool)] = &[
    ("family_name", "text", "family-name", None, true),
    ("given_name", "text", "given-name", None, true),
    ("family_name_kana", "text", "off", Some("kana_help"), false),
    ("given_name_kana", "text", "off", Some("kana_help"), false),
    ("date_of_birth", "date", "bday", Some("date_help"), true),
    ("address", "text", "street-address", None, true),
    (
        "registered_domicile",
        "text",
        "off",
        Some("domicile_help"),
        false,
    ),
    (
        "nationality",
        "text",
        "country",
        Some("nationality_help"),
        false,
    ),
    ("email", "email", "email", None, true),
    ("exam_pass_number", "text", "off", None, true),
    ("my_number", "text", "off", Some("my_number_help"), true),
];

/// One input of the form.
pub struct Input {
    pub name: &'static str,
    pub input_type: &'static str,
    pub autocomplete: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub help: Option<&'static str>,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "portal/apply.html")]
struct ApplyPage {
    frame: Frame,
    csrf: String,
    qualifications: Vec<Choice>,
    qualification_error: Option<String>,
    languages: Vec<Choice>,
    inputs: Vec<Input>,
    error: Option<String>,
}

fn value(form: &FormMap, name: &str) -> String {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// A field error in the page's language.
fn field_words(t: &Words, e: &FieldError) -> String {
    let key = format!("field.{}", e.code);
    match t.get(&key) {
        words if t.code() == "ja" && words != key => words.to_owned(),
        _ => e.detail.clone(),
    }
}

fn error_of(t: &Words, errors: &[FieldError], name: &str) -> Option<String> {
    errors
        .iter()
        .filter(|e| e.pointer.trim_start_matches('/') == name)
        .map(|e| field_words(t, e))
        .reduce(|a, b| format!("{a} {b}"))
}

fn apply_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    form: &FormMap,
    errors: &[FieldError],
    error: Option<String>,
) -> ApplyPage {
    let frame = Frame::new(req, Some(session));
    let t = frame.t;
    let current = value(form, "qualification_code");
    let qualifications = std::iter::once(Choice {
        value: String::new(),
        label: t.get("choose").to_owned(),
        selected: current.is_empty(),
    })
    // Only what can be applied for online today: the rest would be refused.
    .chain(
        state
            .catalogue
            .accepting(
                Procedure::NewRegistration,
                Channel::Online,
                domain::calendar::japan_today(),
            )
            .map(|q| Choice {
                value: q.code.clone(),
                label: if t.code() == "en" {
                    q.name_en.clone()
                } else {
                    q.name_ja.clone()
                },
                selected: q.code == current,
            }),
    )
    .collect();
    let language = match value(form, "preferred_language") {
        l if l.is_empty() => t.code().to_owned(),
        l => l,
    };
    let languages = ["ja", "en"]
        .into_iter()
        .map(|l| Choice {
            value: l.to_owned(),
            label: t
                .get(if l == "ja" { "lang_ja" } else { "lang_en" })
                .to_owned(),
            selected: l == language,
        })
        .collect();
    let inputs = INPUTS
        .iter()
        .map(|(name, input_type, autocomplete, help, required)| Input {
            name,
            input_type,
            autocomplete,
            // The My Number is never written back into a page.
            value: if *name == "my_number" {
                String::new()
            } else {
                value(form, name)
            },
            error: error_of(&t, errors, name),
            help: *help,
            required: *required,
        })
        .collect();
    ApplyPage {
        qualification_error: error_of(&t, errors, "qualification_code"),
        csrf: session.csrf.clone(),
        qualifications,
        languages,
        inputs,
        error,
        frame,
    }
}

/// `GET /portal/apply`.
pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
) -> Result<HttpResponse, PortalError> {
    let page = apply_page(&state, &req, &holder.0, &FormMap::new(), &[], None);
    html(&req, StatusCode::OK, &page)
}

/// `POST /portal/apply`.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, PortalError> {
    let session = holder.0;
    let form = form.into_inner();
    let t = Frame::new(&req, Some(&session)).t;
    if !session.csrf_ok(&value(&form, "csrf")) {
        let page = apply_page(
            &state,
            &req,
            &session,
            &form,
            &[],
            Some(t.get("csrf_failed").into()),
        );
        return html(&req, StatusCode::FORBIDDEN, &page);
    }
    let outcome: Result<uuid::Uuid, ApiError> = async {
        let context = context(&req, &session.actor());
        let use_cases = state.use_cases();
        let checked = use_cases
            .check_application(&context, Application::from_form(&form, Channel::Online))?;
        let pending = use_cases.submit_registration(&context, checked).await?;
        Ok(pending.commit().await?.id)
    }
    .await;
    match outcome {
        Ok(id) => Ok(see_other(format!(
            "/portal/registrations/{id}?done=submitted"
        ))),
        Err(ApiError::Validation(errors)) => {
            let page = apply_page(
                &state,
                &req,
                &session,
                &form,
                &errors,
                Some(t.get("field_errors").into()),
            );
            html(&req, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ApiError::Domain(d)) => {
            let words = match t.get(d.code()) {
                same if same == d.code() => d.to_string(),
                words => words.to_owned(),
            };
            let page = apply_page(&state, &req, &session, &form, &[], Some(words));
            html(&req, StatusCode::CONFLICT, &page)
        }
        Err(ApiError::Conflict { detail, .. }) | Err(ApiError::Unprocessable { detail, .. }) => {
            let page = apply_page(&state, &req, &session, &form, &[], Some(detail));
            html(&req, StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(other.into()),
    }
}
