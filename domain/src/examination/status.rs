//! Where a case stands, the status every case type shares.

use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    #[default]
    Submitted,
    AwaitingPayment,
    UnderExamination,
    ActionRequired,
    Approved,
    Registered,
    Rejected,
    Withdrawn,
    /// A registration removed from the register.
    Deleted,
    /// A registration whose title or practice is suspended for a period.
    Suspended,
    /// A registration revoked by a sanction.
    Revoked,
    /// A registration past its `valid_until` without a renewal; a renewal
    /// brings it back on the register.
    Expired,
}

impl CaseStatus {
    /// The stable name used in views and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "SUBMITTED",
            CaseStatus::AwaitingPayment => "AWAITING_PAYMENT",
            CaseStatus::UnderExamination => "UNDER_EXAMINATION",
            CaseStatus::ActionRequired => "ACTION_REQUIRED",
            CaseStatus::Approved => "APPROVED",
            CaseStatus::Registered => "REGISTERED",
            CaseStatus::Rejected => "REJECTED",
            CaseStatus::Withdrawn => "WITHDRAWN",
            CaseStatus::Deleted => "DELETED",
            CaseStatus::Suspended => "SUSPENDED",
            CaseStatus::Revoked => "REVOKED",
            CaseStatus::Expired => "EXPIRED",
        }
    }

    /// Whether a registration in this status is on the register (a
    /// suspended or expired one still is: its holder may change matters
    /// meanwhile, and renew an expired one).
    pub fn on_register(self) -> bool {
        matches!(
            self,
            CaseStatus::Registered | CaseStatus::Suspended | CaseStatus::Expired
        )
    }

    /// A decided case takes no more examination commands.
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            CaseStatus::Approved
                | CaseStatus::Registered
                | CaseStatus::Rejected
                | CaseStatus::Withdrawn
                | CaseStatus::Deleted
                | CaseStatus::Suspended
                | CaseStatus::Revoked
                | CaseStatus::Expired
        )
    }
}
