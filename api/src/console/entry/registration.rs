//! Entering a paper application for registration.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::registration::Channel;
use serde_json::{json, Map, Value};

use super::{enter, value, EntryForm, EntryPage, FormMap};
use crate::console::i18n::Text;
use crate::console::session::{Session, SignedIn};
use crate::console::view::{html, Choice};
use crate::console::ConsoleError;
use crate::error::{ApiError, FieldError};
use crate::registration::NewRegistration;
use crate::AppState;

const REGISTRATION: EntryForm = EntryForm {
    title: "paper_entry",
    action: "/console/paper/registrations",
    cases: "/console/cases/registrations",
    inputs: &[
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
    ],
};

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
    REGISTRATION.page(req, session, form, errors, error, |t| {
        let current = value(form, "qualification_code");
        vec![(
            "qualification_code",
            qualification_choices(state, t, &current),
        )]
    })
}

/// The registration body the API would have received.
fn registration_body(form: &FormMap) -> Value {
    let mut body = Map::new();
    for (name, _, _) in REGISTRATION.inputs {
        body.insert((*name).into(), Value::String(value(form, name)));
    }
    body.insert(
        "qualification_code".into(),
        json!(value(form, "qualification_code")),
    );
    body.insert("channel".into(), json!("PAPER"));
    Value::Object(body)
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
    let page = |errors: &[FieldError], error| {
        registration_page(&state, &req, &session, &form, errors, error)
    };
    let submit = async {
        let input: NewRegistration =
            serde_json::from_value(registration_body(&form)).map_err(|_| {
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
        crate::registration::submit(&state, &req, &actor, Channel::Paper, input, &number)
            .await
            .map(|(id, _, _)| id)
    };
    enter(&REGISTRATION, &req, &session, &form, page, submit).await
}
