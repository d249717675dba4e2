//! Flags an examiner must clear before a case can be approved: raised by a
//! fact the office must look into (a My Number held under other
//! particulars), cleared by the assigned examiner with a reason that stays
//! in the case's history. A rejection needs no clearing.

use chrono::{DateTime, Utc};

use super::{Examination, ExaminationEvent, Outcome};
use crate::{Actor, DomainError};

impl Examination {
    /// The assigned examiner clears an open flag, saying why.
    pub fn clear_flag(
        &self,
        flag: String,
        reason: String,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<ExaminationEvent, DomainError> {
        self.require_assignee(actor)?;
        self.require_open_examination()?;
        if !self.open_flags.contains(&flag) {
            return Err(DomainError::FlagNotRaised);
        }
        if reason.trim().is_empty() {
            return Err(DomainError::ClearanceReasonRequired);
        }
        Ok(ExaminationEvent::FlagCleared {
            flag,
            reason,
            by: actor.id.clone(),
            at,
        })
    }

    /// Refuses an approval while a flag is open.
    pub(super) fn require_flags_cleared(&self, outcome: Outcome) -> Result<(), DomainError> {
        if outcome == Outcome::Approve && !self.open_flags.is_empty() {
            return Err(DomainError::FlagNotCleared);
        }
        Ok(())
    }

    /// Applies a flag's raising or clearing.
    pub(super) fn apply_flag(&mut self, event: &ExaminationEvent) {
        match event {
            ExaminationEvent::FlagRaised { flag, .. } if !self.open_flags.contains(flag) => {
                self.open_flags.push(flag.clone())
            }
            ExaminationEvent::FlagCleared { flag, .. } => self.open_flags.retain(|f| f != flag),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examination::CaseStatus;
    use crate::Role;

    fn flagged() -> (Examination, Actor) {
        let mut exam = Examination {
            status: CaseStatus::UnderExamination,
            ..Examination::default()
        };
        let ex = Actor::new("ex", Role::Examiner);
        exam.apply(&exam.assign("ex", &ex, Utc::now()).unwrap().unwrap());
        exam.apply(&ExaminationEvent::FlagRaised {
            flag: "MY_NUMBER_PARTICULARS_DIFFER".into(),
            related_cases: vec![],
            at: Utc::now(),
        });
        (exam, ex)
    }

    #[test]
    fn an_open_flag_stops_approval_until_cleared_with_a_reason() {
        let (mut exam, ex) = flagged();
        let flag = "MY_NUMBER_PARTICULARS_DIFFER".to_owned();
        assert!(exam.flags().contains(&flag));
        let propose = |exam: &Examination| {
            exam.propose(Outcome::Approve, None, String::new(), &ex, Utc::now())
        };
        assert_eq!(propose(&exam), Err(DomainError::FlagNotCleared));
        assert_eq!(
            exam.clear_flag(flag.clone(), " ".into(), &ex, Utc::now()),
            Err(DomainError::ClearanceReasonRequired)
        );
        let other = Actor::new("other", Role::Examiner);
        assert_eq!(
            exam.clear_flag(flag.clone(), "why".into(), &other, Utc::now()),
            Err(DomainError::NotAssignee)
        );
        let cleared = exam
            .clear_flag(
                flag.clone(),
                "name changed by marriage".into(),
                &ex,
                Utc::now(),
            )
            .unwrap();
        exam.apply(&cleared);
        assert!(!exam.flags().contains(&flag));
        assert_eq!(
            exam.clear_flag(flag, "again".into(), &ex, Utc::now()),
            Err(DomainError::FlagNotRaised)
        );
        assert!(propose(&exam).is_ok());
    }

    #[test]
    fn a_flagged_case_may_be_rejected() {
        let (exam, ex) = flagged();
        let reject = exam.propose(
            Outcome::Reject,
            Some("IDENTITY_MISMATCH".into()),
            String::new(),
            &ex,
            Utc::now(),
        );
        assert!(reject.is_ok());
    }
}
