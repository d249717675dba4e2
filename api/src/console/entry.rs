//! Entering paper applications and paper change requests. The forms feed the
//! API's own input types, so the validation is the API's.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use domain::change_request::ChangeDetails;
use domain::registration::Channel;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::i18n::Text;
use super::session::{Session, SignedIn};
use super::view::{html, Choice, Chrome};
use super::ConsoleError;
use crate::change_request::NewChangeRequest;
use crate::error::{ApiError, FieldError};
use crate::registration::NewRegistration;
use crate::AppState;

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

fn value(form: &FormMap, name: &str) -> String {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

const REGISTRATION_FIELDS: &[(&str, &str, bool)] = &[
    ("family_name", "text", true),
    ("given_name", "text", true),
    ("family_name_kana", "text", true),
    ("given_name_kana", "text", true),
    ("date_of_birth", "date", true),
    ("address", "text", true),
    ("registered_domicile", "text", true),
    ("email", "email", true),
    ("exam_pass_number", "text", true),
    ("my_number", "text", true),
];

const CHANGE_FIELDS: &[(&str, &str, bool)] = &[
    ("registration_id", "text", true),
    ("family_name", "text", false),
    ("given_name", "text", false),
    ("family_name_kana", "text", false),
    ("given_name_kana", "text", false),
    ("address", "text", false),
    ("registered_domicile", "text", false),
    ("reason", "text", false),
    ("date_of_death", "date", false),
    ("notifier_relationship", "text", false),
];

const KINDS: &[&str] = &[
    "CHANGE_NAME",
    "CHANGE_ADDRESS",
    "CHANGE_DOMICILE",
    "REISSUE_CERTIFICATE",
    "DELETE_REGISTRATION",
];

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

fn qualification_choices(state: &AppState, t: &Text, current: &str) -> Vec<Choice> {
    // No qualification is preselected: the examiner reads it off the paper.
    let none = Choice {
        value: String::new(),
        label: t.get("choose").to_owned(),
        selected: current.is_empty(),
    };
    std::iter::once(none)
        .chain(state.catalogue.qualifications.iter().map(|q| Choice {
            value: q.code.clone(),
            label: if t.code() == "ja" {
                q.name_ja.clone()
            } else {
                q.name_en.clone()
            },
            selected: q.code == current,
        }))
        .collect()
}

fn registration_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    form: &FormMap,
    errors: &[FieldError],
    error: Option<String>,
) -> EntryPage {
    let chrome = Chrome::new(req, Some(session));
    let t = chrome.t;
    EntryPage {
        title: "paper_entry",
        action: "/console/paper/registrations",
        csrf: session.csrf.clone(),
        selects: vec![(
            "qualification_code",
            qualification_choices(state, &t, &value(form, "qualification_code")),
        )],
        fields: fields(&t, REGISTRATION_FIELDS, form, errors),
        error,
        chrome,
    }
}

fn change_page(
    req: &HttpRequest,
    session: &Session,
    form: &FormMap,
    errors: &[FieldError],
    error: Option<String>,
) -> EntryPage {
    let chrome = Chrome::new(req, Some(session));
    let t = chrome.t;
    let mut deletion = vec![Choice {
        value: String::new(),
        label: t.get("none").to_owned(),
        selected: value(form, "deletion_reason").is_empty(),
    }];
    deletion.extend(Choice::list(
        &t,
        &["HOLDER_REQUEST", "DEATH"],
        &value(form, "deletion_reason"),
    ));
    EntryPage {
        title: "paper_change_entry",
        action: "/console/paper/change-requests",
        csrf: session.csrf.clone(),
        selects: vec![
            ("kind", Choice::list(&t, KINDS, &value(form, "kind"))),
            ("deletion_reason", deletion),
        ],
        fields: fields(&t, CHANGE_FIELDS, form, errors),
        error,
        chrome,
    }
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

/// `GET /console/paper/registrations`.
pub async fn registration_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
) -> Result<HttpResponse, ConsoleError> {
    let page = registration_page(&state, &req, &signed_in.0, &FormMap::new(), &[], None);
    html(&req, StatusCode::OK, &page)
}

/// `POST /console/paper/registrations`: a paper application, through the API's validation.
pub async fn enter_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, ConsoleError> {
    let session = signed_in.0;
    let form = form.into_inner();
    let t = Text(super::i18n::Lang::of(&req));
    if !session.csrf_ok(&value(&form, "csrf")) {
        let page = registration_page(
            &state,
            &req,
            &session,
            &form,
            &[],
            Some(t.get("csrf_failed").into()),
        );
        return html(&req, StatusCode::FORBIDDEN, &page);
    }
    let mut body = Map::new();
    for (name, _, _) in REGISTRATION_FIELDS {
        body.insert((*name).into(), Value::String(value(&form, name)));
    }
    body.insert(
        "qualification_code".into(),
        json!(value(&form, "qualification_code")),
    );
    body.insert("channel".into(), json!("PAPER"));
    let result = async {
        let input: NewRegistration = serde_json::from_value(Value::Object(body)).map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "/date_of_birth",
                "INVALID",
                "YYYY-MM-DD",
            )])
        })?;
        let known = state
            .catalogue
            .qualification(&input.qualification_code)
            .is_some();
        let number = input.validate(known).map_err(ApiError::Validation)?;
        let actor = session.actor();
        crate::registration::submit(&state, &req, &actor, Channel::Paper, input, &number).await
    }
    .await;
    match result {
        Ok((id, _, _)) => Ok(HttpResponse::SeeOther()
            .insert_header((
                "Location",
                format!("/console/cases/registrations/{id}?done=entered"),
            ))
            .finish()),
        Err(e) => {
            let (status, errors, words) = refusal(&t, e)?;
            let page = registration_page(&state, &req, &session, &form, &errors, Some(words));
            html(&req, status, &page)
        }
    }
}

/// `GET /console/paper/change-requests`.
pub async fn change_form(
    req: HttpRequest,
    signed_in: SignedIn,
) -> Result<HttpResponse, ConsoleError> {
    let page = change_page(&req, &signed_in.0, &FormMap::new(), &[], None);
    html(&req, StatusCode::OK, &page)
}

/// The change-request body the API would have received.
fn change_body(form: &FormMap) -> Value {
    let mut changes = Map::new();
    for name in [
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "address",
        "registered_domicile",
    ] {
        let v = value(form, name);
        if !v.is_empty() {
            changes.insert(name.into(), json!(v));
        }
    }
    let kind = value(form, "kind");
    let reason = if kind == "DELETE_REGISTRATION" {
        value(form, "deletion_reason")
    } else {
        value(form, "reason")
    };
    let optional = |name: &str| {
        let v = value(form, name);
        if v.is_empty() {
            Value::Null
        } else {
            json!(v)
        }
    };
    json!({
        "kind": kind,
        "changes": changes,
        "reason": if reason.is_empty() { Value::Null } else { json!(reason) },
        "date_of_death": optional("date_of_death"),
        "notifier_relationship": optional("notifier_relationship"),
        "channel": "PAPER",
    })
}

/// `POST /console/paper/change-requests`.
pub async fn enter_change(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, ConsoleError> {
    let session = signed_in.0;
    let form = form.into_inner();
    let t = Text(super::i18n::Lang::of(&req));
    if !session.csrf_ok(&value(&form, "csrf")) {
        let page = change_page(
            &req,
            &session,
            &form,
            &[],
            Some(t.get("csrf_failed").into()),
        );
        return html(&req, StatusCode::FORBIDDEN, &page);
    }
    let result = async {
        let registration_id = Uuid::parse_str(&value(&form, "registration_id")).map_err(|_| {
            ApiError::Validation(vec![FieldError::new("/registration_id", "INVALID", "UUID")])
        })?;
        let input: NewChangeRequest = serde_json::from_value(change_body(&form)).map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "/date_of_death",
                "INVALID",
                "YYYY-MM-DD",
            )])
        })?;
        let valid = input.validate().map_err(ApiError::Validation)?;
        let actor = session.actor();
        let details = ChangeDetails {
            kind: valid.kind,
            changes: valid.changes,
            deletion_reason: valid.deletion_reason,
            date_of_death: input.date_of_death,
            notifier_relationship: input.notifier_relationship,
            attachments: vec![],
            note: valid.note,
            filed_by: actor.id.clone(),
            channel: Channel::Paper,
            email: input.email,
            preferred_language: valid.preferred_language,
        };
        crate::change_request::file(&state, &req, &actor, registration_id, details).await
    }
    .await;
    match result {
        Ok((id, _, _)) => Ok(HttpResponse::SeeOther()
            .insert_header((
                "Location",
                format!("/console/cases/change-requests/{id}?done=entered"),
            ))
            .finish()),
        Err(e) => {
            let (status, errors, words) = refusal(&t, e)?;
            let page = change_page(&req, &session, &form, &errors, Some(words));
            html(&req, status, &page)
        }
    }
}
