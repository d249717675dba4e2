//! The body of a change request and its validation.

use chrono::{NaiveDate, Utc};
use domain::catalogue::Procedure;
use domain::change_request::{DeletionReason, MatterChanges};
use domain::language::Language;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::FieldError;
use crate::registration::{check_language, check_text, ChannelInput};

/// New values of registered matters, named like the registration's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangesInput {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub address: Option<String>,
    pub registered_domicile: Option<String>,
}

/// A change request against a registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChangeRequest {
    /// What the request asks for.
    #[schema(value_type = crate::case::ChangeKind, example = "CHANGE_NAME")]
    pub kind: String,
    #[serde(default)]
    pub changes: ChangesInput,
    /// For DELETE_REGISTRATION: HOLDER_REQUEST or DEATH. Otherwise a free-text note.
    pub reason: Option<String>,
    /// Uploaded documents (a death certificate for a death notification).
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// Required for a death notification.
    pub date_of_death: Option<NaiveDate>,
    /// Required for a death notification, e.g. "child".
    pub notifier_relationship: Option<String>,
    /// ONLINE (default) or PAPER (entered by an examiner).
    pub channel: Option<ChannelInput>,
    /// Where notices about this request go; defaults to the registration's email.
    /// A relative notifying a death gives their own (without it they see notices
    /// only in their inbox: the deceased is never written to).
    pub email: Option<String>,
    /// The language of the notices, `ja` or `en`; defaults to the registration's.
    #[schema(example = "ja")]
    pub preferred_language: Option<String>,
}

/// A validated request.
pub struct ValidChange {
    pub kind: Procedure,
    pub changes: MatterChanges,
    pub deletion_reason: Option<DeletionReason>,
    pub note: Option<String>,
    pub preferred_language: Option<Language>,
}

fn allowed_fields(kind: Procedure) -> &'static [&'static str] {
    match kind {
        Procedure::ChangeName => &[
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
        ],
        Procedure::ChangeAddress => &["address"],
        Procedure::ChangeDomicile => &["registered_domicile"],
        _ => &[],
    }
}

impl NewChangeRequest {
    /// Checks the request against its kind; returns every field error at once.
    pub fn validate(&self) -> Result<ValidChange, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = Procedure::parse(&self.kind).filter(|k| *k != Procedure::NewRegistration);
        let Some(kind) = kind else {
            return Err(vec![FieldError::new(
                "/kind",
                "UNKNOWN_VALUE",
                "must be CHANGE_NAME, CHANGE_ADDRESS, CHANGE_DOMICILE, REISSUE_CERTIFICATE or DELETE_REGISTRATION",
            )]);
        };
        let c = &self.changes;
        let given = [
            ("family_name", &c.family_name, 50),
            ("given_name", &c.given_name, 50),
            ("family_name_kana", &c.family_name_kana, 100),
            ("given_name_kana", &c.given_name_kana, 100),
            ("address", &c.address, 200),
            ("registered_domicile", &c.registered_domicile, 200),
        ];
        let allowed = allowed_fields(kind);
        for (field, value, max) in given {
            let Some(value) = value else { continue };
            if allowed.contains(&field) {
                check_text(&mut errors, &format!("changes/{field}"), value, max);
            } else {
                errors.push(FieldError::new(
                    format!("/changes/{field}"),
                    "NOT_ALLOWED",
                    format!("{} does not change this field", kind.as_str()),
                ));
            }
        }
        let required = match kind {
            Procedure::ChangeName => c.family_name.is_some() || c.given_name.is_some(),
            Procedure::ChangeAddress => c.address.is_some(),
            Procedure::ChangeDomicile => c.registered_domicile.is_some(),
            _ => true,
        };
        if !required {
            errors.push(FieldError::new(
                "/changes",
                "REQUIRED",
                format!(
                    "{} needs the new value of {}",
                    kind.as_str(),
                    allowed.join(" or ")
                ),
            ));
        }
        let mut deletion_reason = None;
        let mut note = None;
        if kind == Procedure::DeleteRegistration {
            deletion_reason = match self.reason.as_deref() {
                Some("HOLDER_REQUEST") => Some(DeletionReason::HolderRequest),
                Some("DEATH") => Some(DeletionReason::Death),
                _ => {
                    errors.push(FieldError::new(
                        "/reason",
                        "UNKNOWN_VALUE",
                        "must be HOLDER_REQUEST or DEATH",
                    ));
                    None
                }
            };
        } else if let Some(reason) = &self.reason {
            check_text(&mut errors, "reason", reason, 200);
            note = Some(reason.clone());
        }
        if deletion_reason == Some(DeletionReason::Death) {
            match self.date_of_death {
                None => errors.push(FieldError::new(
                    "/date_of_death",
                    "REQUIRED",
                    "a death notification needs the date of death",
                )),
                Some(d) if d > Utc::now().date_naive() => errors.push(FieldError::new(
                    "/date_of_death",
                    "IN_FUTURE",
                    "must not be in the future",
                )),
                Some(_) => {}
            }
            match &self.notifier_relationship {
                None => errors.push(FieldError::new(
                    "/notifier_relationship",
                    "REQUIRED",
                    "a death notification needs the notifier's relationship",
                )),
                Some(r) => check_text(&mut errors, "notifier_relationship", r, 50),
            }
            if self.attachment_ids.is_empty() {
                errors.push(FieldError::new(
                    "/attachment_ids",
                    "REQUIRED",
                    "a death notification needs the death certificate attached",
                ));
            }
        } else if self.date_of_death.is_some() || self.notifier_relationship.is_some() {
            errors.push(FieldError::new(
                "/date_of_death",
                "NOT_ALLOWED",
                "only a death notification carries a date of death and a notifier",
            ));
        }
        if let Some(email) = &self.email {
            check_text(&mut errors, "email", email, 254);
            if !email.contains('@') || email.contains(char::is_whitespace) {
                errors.push(FieldError::new(
                    "/email",
                    "INVALID",
                    "must be an email address",
                ));
            }
        }
        let preferred_language = self
            .preferred_language
            .is_some()
            .then(|| check_language(&mut errors, self.preferred_language.as_deref()));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidChange {
            preferred_language,
            kind,
            changes: MatterChanges {
                family_name: c.family_name.clone(),
                given_name: c.given_name.clone(),
                family_name_kana: c.family_name_kana.clone(),
                given_name_kana: c.given_name_kana.clone(),
                address: c.address.clone(),
                registered_domicile: c.registered_domicile.clone(),
            },
            deletion_reason,
            note,
        })
    }
}
