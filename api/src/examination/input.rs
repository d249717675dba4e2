//! Request bodies of the examination actions and their validation.

use domain::examination::REASON_CODES;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::check_text;
use crate::case::DecisionOutcome;
use crate::error::FieldError;

/// The applicant's answer to an information request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    pub message: String,
    /// Ids of uploaded attachments.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

impl ResponseInput {
    /// Checks the message.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(&mut errors, "message", &self.message, 2000);
        errors.is_empty().then_some(()).ok_or(errors)
    }
}

/// Claim or reassign a case.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    /// The examiner to assign; defaults to the caller.
    pub examiner: Option<String>,
}

/// Ask the applicant for information.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InformationRequestInput {
    /// One of DOMICILE_UNRESOLVED, DOCUMENT_MISSING, FEE_UNPAID, IDENTITY_MISMATCH, NOT_ELIGIBLE, DISQUALIFIED, DUPLICATE.
    #[schema(example = "DOCUMENT_MISSING")]
    pub reason_code: String,
    pub message: String,
}

fn reason(errors: &mut Vec<FieldError>, value: &str) {
    if !REASON_CODES.contains(&value) {
        errors.push(FieldError::new(
            "/reason_code",
            "UNKNOWN_VALUE",
            format!("must be one of {}", REASON_CODES.join(", ")),
        ));
    }
}

impl InformationRequestInput {
    /// Checks the reason code and message.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        reason(&mut errors, &self.reason_code);
        check_text(&mut errors, "message", &self.message, 2000);
        errors.is_empty().then_some(()).ok_or(errors)
    }
}

/// Propose a decision for a senior examiner to confirm.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    pub outcome: DecisionOutcome,
    /// Required for REJECT; one of the stable reason codes.
    pub reason_code: Option<String>,
    #[serde(default)]
    pub note: String,
}

impl ProposalInput {
    /// Checks the reason code and note.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        match (&self.reason_code, self.outcome) {
            (Some(code), _) => reason(&mut errors, code),
            (None, DecisionOutcome::Reject) => errors.push(FieldError::new(
                "/reason_code",
                "REQUIRED",
                "a rejection needs a reason code",
            )),
            (None, DecisionOutcome::Approve) => {}
        }
        if self.note.chars().count() > 2000 {
            errors.push(FieldError::new(
                "/note",
                "TOO_LONG",
                "must be at most 2000 characters",
            ));
        }
        errors.is_empty().then_some(()).ok_or(errors)
    }
}

/// A flag an examiner may clear (see the case's `flags`).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum ClearableFlag {
    /// The My Number is held by another case under other names or another date of birth.
    #[serde(rename = "MY_NUMBER_PARTICULARS_DIFFER")]
    MyNumberParticularsDiffer,
    /// A review opened because the registration's prerequisite registration
    /// ended (a sanction case the office opened by itself).
    #[serde(rename = "PREREQUISITE_ENDED")]
    PrerequisiteEnded,
}

impl ClearableFlag {
    /// The flag as cases carry it.
    pub fn code(self) -> &'static str {
        match self {
            ClearableFlag::MyNumberParticularsDiffer => domain::registration::PARTICULARS_DIFFER,
            ClearableFlag::PrerequisiteEnded => domain::sanction::PREREQUISITE_ENDED,
        }
    }
}

/// Clear a flag after looking into it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagClearanceInput {
    pub flag: ClearableFlag,
    /// Why the flag does not stop the case (kept in the case's events).
    #[schema(example = "family name changed by marriage; family-register extract checked")]
    pub reason: String,
}

impl FlagClearanceInput {
    /// Checks the reason.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(&mut errors, "reason", &self.reason, 2000);
        errors.is_empty().then_some(()).ok_or(errors)
    }
}
