//! Request bodies of the registration endpoints and their validation.

use chrono::{NaiveDate, Utc};
use domain::language::Language;
use domain::my_number::{MyNumber, MyNumberError};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::personal::MyNumberField;

/// How an application reached the office (the same words as in the resources).
pub use crate::case::Channel as ChannelInput;

/// An application for a new registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    #[schema(example = "CARE_WORKER")]
    pub qualification_code: String,
    #[schema(example = "山田")]
    pub family_name: String,
    #[schema(example = "花子")]
    pub given_name: String,
    #[schema(example = "ヤマダ")]
    pub family_name_kana: String,
    #[schema(example = "ハナコ")]
    pub given_name_kana: String,
    #[schema(example = "1990-04-01")]
    pub date_of_birth: NaiveDate,
    pub address: String,
    /// Registered domicile (honseki) as the applicant knows it.
    pub registered_domicile: String,
    pub email: String,
    /// 12 digits with a valid check digit. Stored only in the vault; never echoed.
    #[schema(value_type = String, example = "123456789018")]
    pub my_number: MyNumberField,
    /// Evidence of eligibility: the national examination pass number.
    pub exam_pass_number: String,
    /// ONLINE (default; applicants) or PAPER (entered by an examiner).
    pub channel: Option<ChannelInput>,
    /// The language of the office's notices: `ja` (default) or `en`.
    #[schema(example = "ja")]
    pub preferred_language: Option<String>,
}

/// Checks an optional `ja`/`en` field; absent means Japanese.
pub fn check_language(errors: &mut Vec<FieldError>, value: Option<&str>) -> Language {
    match value.map(Language::parse) {
        None => Language::Ja,
        Some(Some(language)) => language,
        Some(None) => {
            errors.push(FieldError::new(
                "/preferred_language",
                "UNKNOWN_VALUE",
                "must be ja or en",
            ));
            Language::Ja
        }
    }
}

const NAME_MAX: usize = 50;
const TEXT_MAX: usize = 200;

/// Checks a required text field: not blank, not too long, no control characters.
pub fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let pointer = format!("/{field}");
    if value.trim().is_empty() {
        errors.push(FieldError::new(pointer, "REQUIRED", "must not be empty"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(
            pointer,
            "TOO_LONG",
            format!("must be at most {max} characters"),
        ));
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            pointer,
            "INVALID",
            "must not contain control characters",
        ));
    }
}

impl NewRegistration {
    /// Checks every field and returns the parsed My Number, or all field errors.
    pub fn validate(&self, known_qualification: bool) -> Result<MyNumber, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !known_qualification {
            errors.push(FieldError::new(
                "/qualification_code",
                "UNKNOWN_QUALIFICATION",
                "no qualification with this code; see GET /v1/qualifications",
            ));
        }
        check_text(&mut errors, "family_name", &self.family_name, NAME_MAX);
        check_text(&mut errors, "given_name", &self.given_name, NAME_MAX);
        check_text(
            &mut errors,
            "family_name_kana",
            &self.family_name_kana,
            NAME_MAX * 2,
        );
        check_text(
            &mut errors,
            "given_name_kana",
            &self.given_name_kana,
            NAME_MAX * 2,
        );
        check_text(&mut errors, "address", &self.address, TEXT_MAX);
        check_text(
            &mut errors,
            "registered_domicile",
            &self.registered_domicile,
            TEXT_MAX,
        );
        check_text(&mut errors, "exam_pass_number", &self.exam_pass_number, 32);
        check_text(&mut errors, "email", &self.email, 254);
        check_language(&mut errors, self.preferred_language.as_deref());
        if !self.email.contains('@') || self.email.contains(char::is_whitespace) {
            errors.push(FieldError::new(
                "/email",
                "INVALID",
                "must be an email address",
            ));
        }
        let today = Utc::now().date_naive();
        if self.date_of_birth > today {
            errors.push(FieldError::new(
                "/date_of_birth",
                "IN_FUTURE",
                "must not be in the future",
            ));
        } else if self.date_of_birth < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today) {
            errors.push(FieldError::new(
                "/date_of_birth",
                "OUT_OF_RANGE",
                "must be after 1900-01-01",
            ));
        }
        let number = match MyNumber::parse(self.my_number.as_str()) {
            Ok(n) => Some(n),
            Err(MyNumberError::Format) => {
                errors.push(FieldError::new(
                    "/my_number",
                    "INVALID_FORMAT",
                    "must be exactly 12 digits",
                ));
                None
            }
            Err(MyNumberError::CheckDigit) => {
                errors.push(FieldError::new(
                    "/my_number",
                    "INVALID_CHECK_DIGIT",
                    "the check digit does not match; please check the number",
                ));
                None
            }
        };
        match number {
            Some(n) if errors.is_empty() => Ok(n),
            _ => Err(errors),
        }
    }
}
