//! How someone without the registration's id names a registration on the
//! register: as on the paper certificate (qualification, number, names and
//! date of birth). Used by the initial setting and by death notifications.

use chrono::NaiveDate;

use super::QualificationRegistration;
use crate::examination::CaseStatus;

/// The particulars that identify a holder, as written on the paper certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderParticulars {
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
}

impl QualificationRegistration {
    /// Whether this is a registration on the register whose holder these
    /// particulars describe (names compared without surrounding blanks).
    pub fn identified_by(&self, who: &HolderParticulars) -> bool {
        let Some(a) = &self.applicant else {
            return false;
        };
        // Every comparison runs, so a near miss costs what a far one does.
        let family = a.family_name == who.family_name.trim();
        let given = a.given_name == who.given_name.trim();
        let born = a.date_of_birth == who.date_of_birth;
        let registered = self.status() == CaseStatus::Registered;
        family & given & born & registered
    }
}

/// What the public register look-up may say of a registration: nothing but
/// whether it stands, and until when a suspension lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicStanding {
    /// On the register.
    Registered,
    /// Suspended until the day it lifts.
    Suspended { until: NaiveDate },
    /// No registration on the register matches (revoked and deleted ones
    /// included: the look-up tells nothing more).
    NotFound,
}

impl QualificationRegistration {
    /// The standing the look-up answers for these particulars: exact names
    /// (without surrounding blanks) and date of birth, or not found.
    pub fn public_standing(&self, who: &HolderParticulars) -> PublicStanding {
        let Some(a) = &self.applicant else {
            return PublicStanding::NotFound;
        };
        // Every comparison runs, so a near miss costs what a far one does.
        let family = a.family_name == who.family_name.trim();
        let given = a.given_name == who.given_name.trim();
        let born = a.date_of_birth == who.date_of_birth;
        if !(family & given & born) {
            return PublicStanding::NotFound;
        }
        match (self.status(), self.suspension) {
            (CaseStatus::Registered, _) => PublicStanding::Registered,
            (CaseStatus::Suspended, Some((_, until))) => PublicStanding::Suspended { until },
            _ => PublicStanding::NotFound,
        }
    }
}
