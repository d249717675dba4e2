//! Entering a paper application for registration.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::catalogue::Procedure;
use domain::registration::Channel;

use super::{enter, value, EntryForm, EntryPage, FormMap};
use crate::application::Application;
use crate::console::i18n::Text;
use crate::console::session::{Session, SignedIn};
use crate::console::view::{html, Choice};
use crate::console::ConsoleError;
use crate::error::FieldError;
use crate::telemetry::context;
use crate::AppState;

const REGISTRATION: EntryForm = EntryForm {
    title: "paper_entry",
    action: "/console/paper/registrations",
    cases: "/console/cases/registrations",
    inputs: &[
        ("family_name", "text", true),
        ("given_name", "text", true),
        // Kana and domicile: Japanese nationals only; others give a nationality.
        ("family_name_kana", "text", false),
        ("given_name_kana", "text", false),
        ("date_of_birth", "date", true),
        ("address", "text", true),
        ("registered_domicile", "text", false),
        ("nationality", "text", false),
        // Many paper applicants give no email address: notices go by post.
        ("email", "email", false),
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
    // Only qualifications whose fee is set: the rest would be refused.
    let today = domain::calendar::japan_today();
    let accepting = state
        .catalogue
        .accepting(Procedure::NewRegistration, Channel::Paper, today);
    std::iter::once(none)
        .chain(accepting.map(|q| Choice {
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

/// `GET /console/paper/registrations`.
pub async fn registration_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
) -> Result<HttpResponse, ConsoleError> {
    let page = registration_page(&state, &req, &signed_in.0, &FormMap::new(), &[], None);
    html(&req, StatusCode::OK, &page)
}

/// `POST /console/paper/registrations`: a paper application, through the use case's validation.
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
        let context = context(&req, &session.actor());
        let use_cases = state.use_cases();
        let checked =
            use_cases.check_application(&context, Application::from_form(&form, Channel::Paper))?;
        let pending = use_cases.submit_registration(&context, checked).await?;
        Ok(pending.commit().await?.id)
    };
    enter(&REGISTRATION, &req, &session, &form, page, submit).await
}
