//! Checks of typed input fields shared by every use case, so that the API
//! and the console refuse the same values with the same pointers and codes.

use domain::language::Language;
use serde::Serialize;
use uuid::Uuid;

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    /// JSON pointer to the field, e.g. `/date_of_birth`.
    pub pointer: String,
    /// Stable code, e.g. `REQUIRED`, `TOO_LONG`, `INVALID_CHECK_DIGIT`.
    pub code: String,
    /// What is wrong, for people.
    pub detail: String,
}

impl FieldError {
    /// A field error at `pointer`.
    pub fn new(pointer: impl Into<String>, code: &str, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            code: code.to_owned(),
            detail: detail.into(),
        }
    }
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

/// `value` in Unicode normalisation form C: a name typed with combining
/// marks (e.g. カ + ゛) is stored as the one precomposed character.
pub fn nfc(value: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    value.nfc().collect()
}

/// Whether `c` is a full-width katakana letter, the long-vowel mark ー, the
/// middle dot ・ or an iteration mark.
fn is_katakana(c: char) -> bool {
    matches!(
        c,
        '\u{30A1}'..='\u{30FA}' | '\u{30FB}' | '\u{30FC}' | '\u{30FD}' | '\u{30FE}'
    )
}

/// Checks a kana field: full-width katakana only (NOT_KATAKANA), once it is
/// a valid text field.
pub fn check_kana(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    let pointer = format!("/{field}");
    let already = errors.iter().any(|e| e.pointer == pointer);
    if !already && !value.trim().is_empty() && !value.chars().all(is_katakana) {
        errors.push(FieldError::new(
            pointer,
            "NOT_KATAKANA",
            "must be written in full-width katakana (ー and ・ allowed), e.g. ヤマダ",
        ));
    }
}

/// Checks an email address at `/email` as a text field and by its shape.
pub fn check_email(errors: &mut Vec<FieldError>, email: &str) {
    check_text(errors, "email", email, 254);
    if !email.contains('@') || email.contains(char::is_whitespace) {
        errors.push(FieldError::new(
            "/email",
            "INVALID",
            "must be an email address",
        ));
    }
}

/// A death is notified with the death certificate attached.
pub fn check_death_certificate(errors: &mut Vec<FieldError>, attachment_ids: &[Uuid]) {
    if attachment_ids.is_empty() {
        errors.push(FieldError::new(
            "/attachment_ids",
            "REQUIRED",
            "a death notification needs the death certificate attached",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_is_full_width_katakana_with_the_long_vowel_mark_and_middle_dot() {
        for ok in ["ヤマダ", "ジョン・スミス", "ローラ", "ヴァン", "ササキ"] {
            let mut errors = Vec::new();
            check_kana(&mut errors, "k", ok);
            assert!(errors.is_empty(), "{ok}");
        }
        for bad in ["やまだ", "ﾔﾏﾀﾞ", "Yamada", "ヤマダ 花子", "山田"] {
            let mut errors = Vec::new();
            check_kana(&mut errors, "k", bad);
            assert_eq!(errors[0].code, "NOT_KATAKANA", "{bad}");
        }
    }

    #[test]
    fn names_are_stored_composed() {
        // カ + the combining voiced mark is ガ.
        assert_eq!(nfc("\u{30AB}\u{3099}"), "\u{30AC}");
        let mut errors = Vec::new();
        check_kana(&mut errors, "k", &nfc("\u{30AB}\u{3099}"));
        assert!(errors.is_empty());
    }
}
