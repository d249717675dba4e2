//! One My Number, one person: the live cases that hold a vault entry, which
//! new application they refuse or flag, and how long an ended case keeps
//! the entry before it is shredded.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use uuid::Uuid;

use super::{Applicant, QualificationRegistration};
use crate::examination::{CaseStatus, ExaminationEvent};
use crate::DomainError;

/// The queue flag of an application whose My Number is held by a case with
/// other names or another date of birth; an examiner clears it with a reason.
pub const PARTICULARS_DIFFER: &str = "MY_NUMBER_PARTICULARS_DIFFER";

/// A live case or registration holding the same vault entry as a new application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The registration's id.
    pub case_id: Uuid,
    /// Its qualification: a second one of the same is refused.
    pub qualification_code: String,
    /// The particulars it holds the number under (current names).
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
    /// A revoked registration: `Some`, with the first day the holder may be
    /// registered again (`None` inside: the Act sets no bar).
    pub revoked: Option<Option<NaiveDate>>,
}

/// A name as compared: without blanks (ASCII or ideographic), which people
/// write inconsistently.
fn bare(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Holding {
    /// Whether the applicant's names or date of birth differ from this holding's.
    pub fn differs_from(&self, applicant: &Applicant) -> bool {
        bare(&self.family_name) != bare(&applicant.family_name)
            || bare(&self.given_name) != bare(&applicant.given_name)
            || self.date_of_birth != applicant.date_of_birth
    }
}

/// Checks a new application of `qualification_code` against the cases
/// already holding its My Number: one registration (or open application) per
/// qualification and number, whoever's particulars come with it (after a
/// revocation: none until the bar ends); other particulars than a holding's
/// raise [`PARTICULARS_DIFFER`].
pub(super) fn check(
    qualification_code: &str,
    applicant: &Applicant,
    holdings: &[Holding],
    at: DateTime<Utc>,
) -> Result<Option<ExaminationEvent>, DomainError> {
    let today = crate::calendar::japan_date(at);
    for h in holdings
        .iter()
        .filter(|h| h.qualification_code == qualification_code)
    {
        match h.revoked {
            None => return Err(DomainError::AlreadyRegistered),
            // Revoked: barred until the bar's end, then free to apply again.
            Some(Some(until)) if today < until => {
                return Err(DomainError::ReregistrationBarred(until))
            }
            Some(_) => {}
        }
    }
    let related_cases: Vec<Uuid> = holdings
        .iter()
        .filter(|h| h.differs_from(applicant))
        .map(|h| h.case_id)
        .collect();
    Ok(
        (!related_cases.is_empty()).then(|| ExaminationEvent::FlagRaised {
            flag: PARTICULARS_DIFFER.to_owned(),
            related_cases,
            at,
        }),
    )
}

/// How long a case that ended keeps its My Number before it is shredded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// After a case ended without a registration (withdrawn, rejected).
    pub after_case_end: Duration,
    /// After a registration was deleted (the holder's request or death): the
    /// statutory retention, in years.
    pub after_deletion_years: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            after_case_end: Duration::zero(),
            after_deletion_years: 5,
        }
    }
}

/// Whether, and how long, a registration keeps its vault entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// It refers to no vault entry (imported and never linked).
    Nothing,
    /// Open, or on the register: as long as it lives.
    Live,
    /// Ended: until this moment.
    Until(DateTime<Utc>),
}

impl QualificationRegistration {
    /// Whether the case still lives: not withdrawn, rejected or deleted.
    pub fn is_live(&self) -> bool {
        self.exists()
            && !matches!(
                self.status(),
                CaseStatus::Rejected | CaseStatus::Withdrawn | CaseStatus::Deleted
            )
    }

    /// What this case holds its My Number as, while it lives.
    pub fn holding(&self, case_id: Uuid) -> Option<Holding> {
        let applicant = self.applicant.as_ref()?;
        (self.is_live() && self.my_number_ref.is_some()).then(|| Holding {
            case_id,
            qualification_code: self.qualification_code.clone(),
            family_name: applicant.family_name.clone(),
            given_name: applicant.given_name.clone(),
            date_of_birth: applicant.date_of_birth,
            revoked: (self.status() == CaseStatus::Revoked).then_some(self.barred_until),
        })
    }

    /// How long this case keeps its vault entry under `retention`.
    pub fn my_number_hold(&self, retention: &Retention) -> Hold {
        if self.my_number_ref.is_none() || !self.exists() {
            return Hold::Nothing;
        }
        if self.is_live() {
            return Hold::Live;
        }
        // An ended case without its end's time (recorded before it was kept)
        // holds from its submission, the earliest it can have ended.
        let ended = self.ended_at.or(self.submitted_at).unwrap_or_default();
        Hold::Until(match self.status() {
            CaseStatus::Deleted => ended
                .checked_add_months(Months::new(retention.after_deletion_years * 12))
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            _ => ended + retention.after_case_end,
        })
    }
}
