//! Entering a paper change request (changes of particulars, re-issue,
//! deletion, a relative's notice of death).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::change_request::MatterChanges;
use domain::registration::Channel;
use uuid::Uuid;

use super::{enter, value, EntryForm, EntryPage, FormMap};
use crate::application::{ChangeInput, EndorsementInput};
use crate::console::session::{Session, SignedIn};
use crate::console::view::{html, Choice};
use crate::console::ConsoleError;
use crate::error::{ApiError, FieldError};
use crate::telemetry::context;
use crate::AppState;

const CHANGE: EntryForm = EntryForm {
    title: "paper_change_entry",
    action: "/console/paper/change-requests",
    cases: "/console/cases/change-requests",
    inputs: &[
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
    ],
};

const KINDS: &[&str] = &[
    "CHANGE_NAME",
    "CHANGE_ADDRESS",
    "CHANGE_DOMICILE",
    "REISSUE_CERTIFICATE",
    "DELETE_REGISTRATION",
];

fn change_page(
    req: &HttpRequest,
    session: &Session,
    form: &FormMap,
    errors: &[FieldError],
    error: Option<String>,
) -> EntryPage {
    CHANGE.page(req, session, form, errors, error, |t| {
        let mut deletion = vec![Choice {
            value: String::new(),
            label: t.get("none").to_owned(),
            selected: value(form, "deletion_reason").is_empty(),
        }];
        deletion.extend(Choice::list(
            t,
            &["HOLDER_REQUEST", "DEATH", "DISAPPEARANCE"],
            &value(form, "deletion_reason"),
        ));
        vec![
            ("kind", Choice::list(t, KINDS, &value(form, "kind"))),
            ("deletion_reason", deletion),
        ]
    })
}

/// `GET /console/paper/change-requests`.
pub async fn change_form(
    req: HttpRequest,
    signed_in: SignedIn,
) -> Result<HttpResponse, ConsoleError> {
    let page = change_page(&req, &signed_in.0, &FormMap::new(), &[], None);
    html(&req, StatusCode::OK, &page)
}

/// The change request the form makes; the date is the one field typed here.
fn change(form: &FormMap) -> Result<ChangeInput, ApiError> {
    let optional = |name: &str| Some(value(form, name)).filter(|v| !v.is_empty());
    let date_of_death = optional("date_of_death")
        .map(|d| d.parse())
        .transpose()
        .map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "/date_of_death",
                "INVALID",
                "YYYY-MM-DD",
            )])
        })?;
    let kind = value(form, "kind");
    let reason = if kind == "DELETE_REGISTRATION" {
        optional("deletion_reason")
    } else {
        optional("reason")
    };
    Ok(ChangeInput {
        kind,
        changes: MatterChanges {
            family_name: optional("family_name"),
            given_name: optional("given_name"),
            family_name_kana: optional("family_name_kana"),
            given_name_kana: optional("given_name_kana"),
            address: optional("address"),
            registered_domicile: optional("registered_domicile"),
        },
        reason,
        attachment_ids: vec![],
        date_of_death,
        notifier_relationship: optional("notifier_relationship"),
        channel: Channel::Paper,
        email: None,
        preferred_language: None,
        endorsement: EndorsementInput {
            code: optional("endorsement_code"),
            action: optional("endorsement_action"),
        },
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
    let page = |errors: &[FieldError], error| change_page(&req, &session, &form, errors, error);
    let submit = async {
        let registration_id = Uuid::parse_str(&value(&form, "registration_id")).map_err(|_| {
            ApiError::Validation(vec![FieldError::new("/registration_id", "INVALID", "UUID")])
        })?;
        let input = change(&form)?;
        let context = context(&req, &session.actor());
        let use_cases = state.use_cases();
        let checked = use_cases.check_change(&context, input)?;
        let pending = use_cases
            .file_change_request(&context, registration_id, checked)
            .await?;
        Ok(pending.commit().await?.id)
    };
    enter(&CHANGE, &req, &session, &form, page, submit).await
}
