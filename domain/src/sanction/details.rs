//! What a sanction orders: its kind, its grounds and, for a suspension, its period.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Procedure, SanctionMeasure};
use crate::DomainError;

/// The two sanctions the qualification Acts provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SanctionKind {
    /// The title or the practice is suspended for a fixed period.
    Suspension,
    /// The registration is revoked.
    Revocation,
}

impl SanctionKind {
    /// The measure the catalogue names it by.
    pub fn measure(self) -> SanctionMeasure {
        match self {
            SanctionKind::Suspension => SanctionMeasure::Suspension,
            SanctionKind::Revocation => SanctionMeasure::Revocation,
        }
    }

    /// The procedure the queue lists the case under.
    pub fn procedure(self) -> Procedure {
        match self {
            SanctionKind::Suspension => Procedure::Suspension,
            SanctionKind::Revocation => Procedure::Revocation,
        }
    }
}

/// The content of a sanction case as the office opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionDetails {
    pub kind: SanctionKind,
    /// The office's grounds, as written.
    pub reason: String,
    /// The article of the qualification's Act the sanction rests on.
    pub legal_basis: String,
    /// The first day the sanction applies (a Japanese date).
    pub starts_on: NaiveDate,
    /// A suspension's end: it lifts at the start of this day in Japan.
    pub ends_on: Option<NaiveDate>,
    /// The examiner who opened the case.
    pub opened_by: String,
}

impl SanctionDetails {
    /// The rules every sanction keeps: grounds given, and a suspension's
    /// period runs forward from its start while a revocation has none.
    pub fn check(&self) -> Result<(), DomainError> {
        if self.reason.trim().is_empty() || self.legal_basis.trim().is_empty() {
            return Err(DomainError::ReasonRequired);
        }
        match (self.kind, self.ends_on) {
            (SanctionKind::Suspension, Some(end)) if end > self.starts_on => Ok(()),
            (SanctionKind::Revocation, None) => Ok(()),
            _ => Err(DomainError::InvalidSanctionPeriod),
        }
    }
}

/// The instant a suspension ending on `ends_on` lifts: midnight in Japan
/// (UTC+9 all year) at the start of that day.
pub fn lift_instant(ends_on: NaiveDate) -> DateTime<Utc> {
    ends_on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::hours(9)
}
