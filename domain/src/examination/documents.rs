//! Who on the staff may read the documents a case references: those who may
//! act on the case. An examiner acts on the cases assigned to them (and keeps
//! reading their file after the decision); a senior examiner also acts on
//! every open case, since they reassign and approve. Nobody else on the staff
//! reads them, however the document's id became known.

use super::{CaseStatus, Examination};
use crate::{Actor, DomainError, Role};

impl Examination {
    /// Ok when `reader` (staff) may read this case's documents;
    /// `NotAssignee` for examiners not on the case, `WrongRole` for roles
    /// that never read them (ministries, administrators, applicants, whose
    /// access is by ownership, not by this rule).
    pub fn may_read_documents(&self, reader: &Actor) -> Result<(), DomainError> {
        let assigned = self.assignee.as_deref() == Some(reader.id.as_str());
        let open = matches!(
            self.status,
            CaseStatus::UnderExamination | CaseStatus::ActionRequired
        );
        match reader.role {
            Role::Examiner if assigned => Ok(()),
            Role::SeniorExaminer if assigned || open => Ok(()),
            Role::Examiner | Role::SeniorExaminer => Err(DomainError::NotAssignee),
            Role::Applicant | Role::Ministry | Role::Admin => Err(DomainError::WrongRole),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(status: CaseStatus, assignee: Option<&str>) -> Examination {
        Examination {
            status,
            assignee: assignee.map(str::to_owned),
            ..Examination::default()
        }
    }

    #[test]
    fn the_staff_who_may_act_on_the_case_read_its_documents() {
        let ex = Actor::new("ex", Role::Examiner);
        let other = Actor::new("ex-2", Role::Examiner);
        let senior = Actor::new("sr", Role::SeniorExaminer);
        let open = case(CaseStatus::UnderExamination, Some("ex"));
        assert_eq!(open.may_read_documents(&ex), Ok(()));
        assert_eq!(
            open.may_read_documents(&other),
            Err(DomainError::NotAssignee)
        );
        assert_eq!(open.may_read_documents(&senior), Ok(()));
        let unassigned = case(CaseStatus::UnderExamination, None);
        assert_eq!(
            unassigned.may_read_documents(&ex),
            Err(DomainError::NotAssignee)
        );
        let decided = case(CaseStatus::Registered, Some("ex"));
        assert_eq!(decided.may_read_documents(&ex), Ok(()), "their own file");
        assert_eq!(
            decided.may_read_documents(&senior),
            Err(DomainError::NotAssignee)
        );
        for role in [Role::Ministry, Role::Admin, Role::Applicant] {
            let who = Actor::new("ex", role);
            assert_eq!(open.may_read_documents(&who), Err(DomainError::WrongRole));
        }
    }
}
