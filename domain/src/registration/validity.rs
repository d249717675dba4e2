//! Validity and renewal: a registration of a qualification with a validity
//! period (the care manager's card: five years) carries `valid_until`, the
//! last day it is valid. The holder is reminded 180, 90 and 30 days before;
//! the day after, it expires (EXPIRED) unless a RENEWAL was approved, which
//! extends it by the period:
//! - from the old date when it has not expired yet (the holder loses none of
//!   the days left),
//! - from the approval date when it had (valid from that day for the period).
//!
//! Reminders and the expiry come from scheduled jobs; each command names the
//! `valid_until` it was scheduled for, so a job of a date since renewed, or
//! run twice, records nothing.

use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, Utc};
use uuid::Uuid;

use super::aggregate::{QualificationRegistration, RegistrationServices};
use super::event::RegistrationEvent;
use crate::calendar::japan_date;
use crate::catalogue::Procedure;
use crate::examination::CaseStatus;
use crate::DomainError;

/// How many days before `valid_until` the holder is reminded, earliest first.
pub const REMINDER_DAYS: [u32; 3] = [180, 90, 30];

/// The last valid day of a registration valid for `years` from `from`
/// (inclusive): the day before the same date `years` later, or, when that
/// year has no such date (29 February), the month's last day (Civil Code
/// art. 143(2)).
pub fn valid_until(from: NaiveDate, years: u32) -> NaiveDate {
    let year = i32::try_from(years)
        .ok()
        .and_then(|y| from.year().checked_add(y));
    match year.map(|y| (y, from.with_year(y))) {
        Some((_, Some(anniversary))) => anniversary.pred_opt().unwrap_or(NaiveDate::MIN),
        // Only 29 February lacks its date: the last day of that February.
        Some((y, None)) => NaiveDate::from_ymd_opt(y, 3, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX),
        None => NaiveDate::MAX,
    }
}

/// The same date `years` later (29 February becomes the month's last day).
fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_add_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MAX)
}

/// 00:00 in Japan (UTC+9 all year) at the start of `date`.
fn japan_midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::hours(9)
}

/// When a registration valid until `valid_until` expires: the start of the
/// next day in Japan.
pub fn expiry_instant(valid_until: NaiveDate) -> DateTime<Utc> {
    japan_midnight(
        valid_until
            .checked_add_days(Days::new(1))
            .unwrap_or(NaiveDate::MAX),
    )
}

/// When the reminder `days_before` `valid_until` is due: the start of that day in Japan.
pub fn reminder_instant(valid_until: NaiveDate, days_before: u32) -> DateTime<Utc> {
    japan_midnight(
        valid_until
            .checked_sub_days(Days::new(u64::from(days_before)))
            .unwrap_or(NaiveDate::MIN),
    )
}

impl QualificationRegistration {
    /// Carries out an approved change request: a renewal here, any other
    /// kind by [`Self::apply_change`].
    pub(super) fn apply_change_or_renewal(
        &self,
        request_id: Uuid,
        services: &RegistrationServices,
        at: DateTime<Utc>,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        let renewal = self
            .open_change_requests
            .iter()
            .any(|(id, d)| *id == request_id && d.kind == Procedure::Renewal);
        if !renewal || self.applied_change_requests.contains(&request_id) {
            return self.apply_change(request_id, at);
        }
        match self.status() {
            CaseStatus::Deleted => return Err(DomainError::RegistrationDeleted),
            CaseStatus::Revoked => return Err(DomainError::RegistrationRevoked),
            _ => {}
        }
        let years = services
            .catalogue
            .qualification(&self.qualification_code)
            .and_then(|q| q.validity_years)
            .ok_or(DomainError::ProcedureNotOffered)?;
        let today = japan_date(at);
        let valid_until = match self.valid_until {
            Some(old) if old >= today && self.status() != CaseStatus::Expired => {
                add_years(old, years)
            }
            _ => valid_until(today, years),
        };
        // A suspension that outlived the expiry holds again; one that ended
        // meanwhile (its lift found the registration expired) is over.
        let revived_as = (self.status() == CaseStatus::Expired).then(|| match self.suspension {
            Some((_, until)) if until > today => CaseStatus::Suspended,
            _ => CaseStatus::Registered,
        });
        Ok(vec![RegistrationEvent::RegistrationRenewed {
            request_id,
            previous_valid_until: self.valid_until,
            valid_until,
            revived_as,
            at,
        }])
    }

    /// The reminder `days_before` the date, once, if the date still stands
    /// and no later reminder is already due (a server down for months sends
    /// the latest only).
    pub(super) fn remind_renewal(
        &self,
        valid_until: NaiveDate,
        days_before: u32,
        at: DateTime<Utc>,
    ) -> Vec<RegistrationEvent> {
        let today = japan_date(at);
        let superseded = REMINDER_DAYS.iter().any(|d| {
            *d < days_before && reminder_instant(valid_until, *d) <= japan_midnight(today)
        });
        if !self.current(valid_until)
            || self.reminded.contains(&(valid_until, days_before))
            || superseded
            || today > valid_until
        {
            return vec![];
        }
        vec![RegistrationEvent::RenewalReminded {
            valid_until,
            days_before,
            at,
        }]
    }

    /// The expiry of `valid_until`, if it still stands.
    pub(super) fn expire(
        &self,
        valid_until: NaiveDate,
        at: DateTime<Utc>,
    ) -> Vec<RegistrationEvent> {
        if !self.current(valid_until) {
            return vec![];
        }
        vec![RegistrationEvent::RegistrationExpired { valid_until, at }]
    }

    /// Whether `valid_until` is still the registration's date and the
    /// registration stands on the register unexpired.
    fn current(&self, valid_until: NaiveDate) -> bool {
        self.valid_until == Some(valid_until)
            && matches!(
                self.status(),
                CaseStatus::Registered | CaseStatus::Suspended
            )
    }

    pub(super) fn apply_validity_event(&mut self, event: &RegistrationEvent) {
        match event {
            RegistrationEvent::Registered { valid_until, .. } => self.valid_until = *valid_until,
            RegistrationEvent::RegistrationRenewed {
                request_id,
                valid_until,
                revived_as,
                ..
            } => {
                self.valid_until = Some(*valid_until);
                self.end_change_request(*request_id, true);
                if *revived_as == Some(CaseStatus::Registered) {
                    self.suspension = None;
                }
            }
            RegistrationEvent::RenewalReminded {
                valid_until,
                days_before,
                ..
            } => self.reminded.push((*valid_until, *days_before)),
            _ => {}
        }
    }
}
