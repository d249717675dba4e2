//! The national registers, asked with a vault token instead of the applicant
//! copying register extracts: resident register (name, address) and family
//! register (name, registered domicile).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// What the registers say about the applicant's statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InquiryOutcome {
    /// The registers agree with the application.
    Confirmed,
    /// Something differs; the examination continues with the case flagged.
    Mismatch,
    /// The family register cannot establish the current registered domicile.
    DomicileUnresolved,
}

/// The answer of one inquiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryAnswer {
    pub outcome: InquiryOutcome,
    /// Fields that differ (names of registered matters), for MISMATCH.
    pub differences: Vec<String>,
}

/// What the applicant states, to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub family_name: String,
    pub given_name: String,
    pub address: String,
    /// None for a holder with no family register (not a Japanese
    /// national): only the resident register is asked about them.
    pub registered_domicile: Option<String>,
}

/// The registers did not answer; ask again later.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the register is unavailable: {0}")]
pub struct RegistryUnavailable(pub String);

/// The registers, asked by the HMAC token of a My Number (never the number).
#[async_trait]
pub trait RegistryInquiry: Send + Sync {
    /// Checks a statement about the person behind `token`.
    async fn inquire(
        &self,
        token: &[u8],
        statement: &Statement,
    ) -> Result<InquiryAnswer, RegistryUnavailable>;

    /// The resident register's identity look-up: whether the number behind
    /// `token` belongs to the person `claim` names (the initial setting).
    async fn confirm_identity(
        &self,
        token: &[u8],
        claim: &IdentityClaim,
    ) -> Result<IdentityAnswer, RegistryUnavailable>;
}

/// Who a person says they are: the particulars a register can confirm
/// belong to the holder of a My Number (the initial setting's check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityClaim {
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: chrono::NaiveDate,
}

/// Whether a My Number belongs to the person an [`IdentityClaim`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IdentityAnswer {
    /// The register holds this number for this person.
    Belongs,
    /// Another person's number, a number the register does not know, or a
    /// record that cannot tell (no date of birth): never a confirmation.
    DoesNotBelong,
}
