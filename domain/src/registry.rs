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
    pub registered_domicile: String,
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
}
