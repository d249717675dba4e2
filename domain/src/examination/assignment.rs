//! Who works a case: examiners claim it for themselves, seniors reassign it.

use chrono::{DateTime, Utc};

use super::{Examination, ExaminationEvent};
use crate::{Actor, DomainError, Role};

impl Examination {
    /// Claim (examiner, self only) or reassign (senior examiner, anyone).
    pub fn assign(
        &self,
        examiner: &str,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Option<ExaminationEvent>, DomainError> {
        if !actor.role.is_examiner() {
            return Err(DomainError::WrongRole);
        }
        self.require_open_examination()?;
        if actor.role == Role::Examiner {
            if examiner != actor.id {
                return Err(DomainError::AssignOthers);
            }
            if matches!(&self.assignee, Some(a) if a != examiner) {
                return Err(DomainError::AlreadyAssigned);
            }
        }
        if self.assignee.as_deref() == Some(examiner) {
            return Ok(None);
        }
        Ok(Some(ExaminationEvent::ExaminerAssigned {
            examiner: examiner.to_owned(),
            by: actor.id.clone(),
            at,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::CaseStatus;
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn under_examination() -> Examination {
        Examination {
            status: CaseStatus::UnderExamination,
            ..Examination::default()
        }
    }

    #[test]
    fn examiners_claim_only_for_themselves_and_seniors_reassign() {
        let exam = under_examination();
        let ex = Actor::new("ex", Role::Examiner);
        assert_eq!(
            exam.assign("other", &ex, now()),
            Err(DomainError::AssignOthers)
        );
        let mut exam = exam;
        exam.apply(&exam.assign("ex", &ex, now()).unwrap().unwrap());
        assert_eq!(
            exam.assign("ex", &ex, now()),
            Ok(None),
            "claiming twice is a no-op"
        );
        let rival = Actor::new("rival", Role::Examiner);
        assert_eq!(
            exam.assign("rival", &rival, now()),
            Err(DomainError::AlreadyAssigned)
        );
        let senior = Actor::new("sr", Role::SeniorExaminer);
        assert!(exam.assign("rival", &senior, now()).unwrap().is_some());
        let applicant = Actor::new("a", Role::Applicant);
        assert_eq!(
            exam.assign("a", &applicant, now()),
            Err(DomainError::WrongRole)
        );
    }
}
