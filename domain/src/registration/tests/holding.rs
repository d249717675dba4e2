//! One My Number, one registration per qualification: what a new application
//! finds already holding its number, and how long an ended case keeps it.

use chrono::{Duration, NaiveDate};
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
        revoked: None,
    }
}

/// A registration of `code` revoked with a bar ending on `until`.
fn revoked(code: &str, until: Option<NaiveDate>) -> Holding {
    Holding {
        revoked: Some(until),
        ..held(code)
    }
}

fn barred() -> DomainError {
    DomainError::ReregistrationBarred(today().succ_opt().unwrap())
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
    // Revoked, with the bar ending tomorrow: not yet, and the answer is the date.
    a_revoked_holder_is_barred_until_the_bar_ends:
        given vec![], when submit_holding(CARE, applicant(), Channel::Online, &holder(), vec![revoked(CARE, today().succ_opt())])
        => refused barred();
    a_paper_application_is_barred_too:
        given vec![], when submit_holding(CARE, applicant(), Channel::Paper, &examiner(), vec![revoked(CARE, today().succ_opt())])
        => refused barred();
    // The bar ends today: the application is taken like any other.
    on_the_day_the_bar_ends_the_holder_may_apply_again:
        given vec![], when submit_holding(CARE, applicant(), Channel::Online, &holder(), vec![revoked(CARE, Some(today()))])
        => records submitted_for(CARE, applicant(), Channel::Online, &holder());
    // The Act sets no bar for the qualification.
    without_a_bar_a_revoked_holder_may_apply_at_once:
        given vec![], when submit_holding(CARE, applicant(), Channel::Online, &holder(), vec![revoked(CARE, None)])
        => records submitted_for(CARE, applicant(), Channel::Online, &holder());
    // A revocation in another qualification bars nothing here.
    a_revocation_in_another_qualification_bars_nothing:
        given vec![], when submit_with(vec![revoked(CARE, today().succ_opt())])
        => records submitted_for(NURSERY, applicant(), Channel::Online, &holder());
}

fn revoke() -> RegistrationCommand {
    RegistrationCommand::ApplySanction {
        sanction_id: id(8),
        kind: crate::sanction::SanctionKind::Revocation,
        starts_on: today(),
        ends_on: None,
        at: at(),
    }
}

fn revocation() -> RegistrationEvent {
    RegistrationEvent::RegistrationRevoked {
        sanction_id: id(8),
        on: today(),
        barred_until: NaiveDate::from_ymd_opt(2028, 4, 1),
        at: at(),
    }
}

rules! {
    // The catalogue bars a revoked care worker for two years.
    a_revocation_records_the_bar_the_catalogue_sets:
        given registered(), when revoke() => records vec![revocation()];
}

#[test]
fn a_revoked_registration_holds_its_number_with_its_bar() {
    let revoked = state(then(registered(), [revocation()]));
    let holding = revoked.holding(id(1)).unwrap();
    assert_eq!(holding.revoked, Some(NaiveDate::from_ymd_opt(2028, 4, 1)));
    assert_eq!(state(registered()).holding(id(1)).unwrap().revoked, None);
    let leap = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
    assert_eq!(
        crate::registration::bar_end(leap, 1),
        NaiveDate::from_ymd_opt(2029, 2, 28).unwrap()
    );
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
