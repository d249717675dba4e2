//! Entering a paper change request (changes of particulars, re-issue,
//! deletion, a relative's notice of death).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::change_request::ChangeDetails;
use domain::registration::Channel;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{enter, value, EntryForm, EntryPage, FormMap};
use crate::change_request::NewChangeRequest;
use crate::console::session::{Session, SignedIn};
use crate::console::view::{html, Choice};
use crate::console::ConsoleError;
use crate::error::{ApiError, FieldError};
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
            &["HOLDER_REQUEST", "DEATH"],
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
    let page = |errors: &[FieldError], error| change_page(&req, &session, &form, errors, error);
    let submit = async {
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
        crate::change_request::file(&state, &req, &actor, registration_id, details)
            .await
            .map(|(id, _, _)| id)
    };
    enter(&CHANGE, &req, &session, &form, page, submit).await
}
