//! Sanctions on a registration: an approved suspension or revocation put in
//! force, and a suspension lifted at its end. Each is keyed by its sanction
//! case, so the process that sends them may send them again.

use chrono::{DateTime, Months, NaiveDate, Utc};
use uuid::Uuid;

use super::aggregate::QualificationRegistration;
use super::event::RegistrationEvent;
use crate::calendar::japan_date;
use crate::examination::CaseStatus;
use crate::sanction::SanctionKind;
use crate::DomainError;

impl QualificationRegistration {
    pub(super) fn apply_sanction(
        &self,
        sanction_id: Uuid,
        (kind, starts_on, ends_on): (SanctionKind, NaiveDate, Option<NaiveDate>),
        bar_years: Option<u32>,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        if self.applied_sanctions.contains(&sanction_id) {
            return Ok(vec![]);
        }
        match self.status() {
            CaseStatus::Deleted => return Err(DomainError::RegistrationDeleted),
            CaseStatus::Revoked => return Err(DomainError::RegistrationRevoked),
            s if s.on_register() => {}
            _ => return Err(DomainError::NotRegistered),
        }
        // A sanction approved after its start date runs from its approval.
        let from = starts_on.max(japan_date(at));
        Ok(vec![match (kind, ends_on) {
            (SanctionKind::Suspension, Some(until)) => RegistrationEvent::RegistrationSuspended {
                sanction_id,
                from,
                until,
                at,
            },
            (SanctionKind::Suspension, None) => return Err(DomainError::InvalidSanctionPeriod),
            (SanctionKind::Revocation, _) => RegistrationEvent::RegistrationRevoked {
                sanction_id,
                on: from,
                barred_until: bar_years.map(|years| bar_end(from, years)),
                at,
            },
        }])
    }

    pub(super) fn lift_suspension(
        &self,
        sanction_id: Uuid,
        at: DateTime<Utc>,
    ) -> Vec<RegistrationEvent> {
        // Only the suspension in force lifts: a revocation since, or a later
        // suspension that replaced it, stays.
        match self.suspension {
            Some((id, _)) if id == sanction_id && self.status() == CaseStatus::Suspended => {
                vec![RegistrationEvent::SuspensionLifted { sanction_id, at }]
            }
            _ => vec![],
        }
    }

    pub(super) fn apply_sanction_event(&mut self, event: &RegistrationEvent) {
        match event {
            RegistrationEvent::RegistrationSuspended {
                sanction_id, until, ..
            } => {
                self.applied_sanctions.push(*sanction_id);
                self.suspension = Some((*sanction_id, *until));
            }
            RegistrationEvent::RegistrationRevoked {
                sanction_id,
                barred_until,
                ..
            } => {
                self.applied_sanctions.push(*sanction_id);
                self.suspension = None;
                self.barred_until = *barred_until;
            }
            RegistrationEvent::SuspensionLifted { .. } => self.suspension = None,
            _ => {}
        }
    }
}

/// The first day a person revoked on `on` may be registered again when the
/// Act bars them for `years`: the same day `years` later (counted from the
/// day of the revocation, so the bar has then run its full term; a day the
/// month lacks, as 29 February, becomes the month's last).
pub fn bar_end(on: NaiveDate, years: u32) -> NaiveDate {
    on.checked_add_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MAX)
}
