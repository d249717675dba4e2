//! One My Number, one registration per qualification: what a new application
//! finds already holding its number, and how long an ended case keeps it.

use chrono::Duration;
use cqrs_es::Aggregate;

use super::*;
use crate::change_request::DeletionReason;
use crate::registration::{Hold, Holding, Retention, PARTICULARS_DIFFER};
use crate::DomainError;

/// A live registration of `code` holding the number under the applicant's particulars.
fn held(code: &str) -> Holding {
    let a = applicant();
    Holding {
        case_id: id(3),
        qualification_code: code.into(),
        family_name: a.family_name,
        given_name: a.given_name,
        date_of_birth: a.date_of_birth,
    }
}

fn submit_with(holdings: Vec<Holding>) -> RegistrationCommand {
    submit_holding(NURSERY, applicant(), Channel::Online, &holder(), holdings)
}

fn flagged(related: Vec<uuid::Uuid>) -> Events {
    let mut events = submitted_for(NURSERY, applicant(), Channel::Online, &holder());
    events.push(exam(ExaminationEvent::FlagRaised {
        flag: PARTICULARS_DIFFER.into(),
        related_cases: related,
        at: at(),
    }));
    events
}

fn someone_else() -> Holding {
    Holding {
        family_name: "佐藤".into(),
        ..held(CARE)
    }
}

rules! {
    // The holder already registered as a care worker applies again.
    the_same_qualification_under_the_same_number_is_refused:
        given vec![], when submit_holding(CARE, applicant(), Channel::Online, &holder(), vec![held(CARE)])
        => refused DomainError::AlreadyRegistered;
    // On paper too: the examiner entering it learns it at once.
    a_paper_duplicate_is_refused_too:
        given vec![], when submit_holding(CARE, applicant(), Channel::Paper, &examiner(), vec![held(CARE)])
        => refused DomainError::AlreadyRegistered;
    // Whoever's particulars: one number, one registration per qualification.
    a_duplicate_under_other_particulars_is_refused_as_well:
        given vec![], when submit_holding(CARE, applicant(), Channel::Online, &holder(), vec![someone_else()])
        => refused DomainError::AlreadyRegistered;
    another_qualification_under_the_same_particulars_is_accepted_unflagged:
        given vec![], when submit_with(vec![held(CARE)])
        => records submitted_for(NURSERY, applicant(), Channel::Online, &holder());
    another_qualification_under_other_particulars_is_flagged:
        given vec![], when submit_with(vec![someone_else()]) => records flagged(vec![id(3)]);
}

#[test]
fn names_differing_only_in_blanks_are_the_same_person() {
    let mut spaced = applicant();
    spaced.family_name = format!(" {}\u{3000}", spaced.family_name);
    assert!(!held(CARE).differs_from(&spaced));
    let mut born_later = applicant();
    born_later.date_of_birth = born_later.date_of_birth.succ_opt().unwrap();
    assert!(held(CARE).differs_from(&born_later));
}

fn state(events: Events) -> QualificationRegistration {
    let mut reg = QualificationRegistration::default();
    for e in events {
        reg.apply(e);
    }
    reg
}

#[test]
fn a_case_holds_its_number_while_it_lives_and_for_its_retention_after() {
    let retention = Retention {
        after_case_end: Duration::days(3),
        after_deletion_years: 5,
    };
    assert_eq!(state(submitted()).my_number_hold(&retention), Hold::Live);
    assert_eq!(state(registered()).my_number_hold(&retention), Hold::Live);
    let withdrawn = then_exam(
        submitted(),
        [ExaminationEvent::ApplicationWithdrawn {
            at: at(),
            paper: None,
        }],
    );
    let withdrawn = state(withdrawn);
    assert!(withdrawn.holding(id(1)).is_none());
    assert_eq!(
        withdrawn.my_number_hold(&retention),
        Hold::Until(at() + Duration::days(3))
    );
    let deleted = then(
        registered(),
        [RegistrationEvent::RegistrationDeleted {
            request_id: id(9),
            reason: Some(DeletionReason::Death),
            at: at(),
        }],
    );
    let five_years = at().checked_add_months(chrono::Months::new(60)).unwrap();
    assert_eq!(
        state(deleted).my_number_hold(&retention),
        Hold::Until(five_years)
    );
}
