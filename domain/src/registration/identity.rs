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
