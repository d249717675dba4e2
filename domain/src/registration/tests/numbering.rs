//! An approval registers the holder under a number from the allocator.

use cqrs_es::test::AggregateResultValidator;

use super::*;
use crate::DomainError;

/// A senior examiner approves what the examiner proposed on `application`.
fn approving(
    numbers: Arc<dyn RegistrationNumbers>,
    application: Events,
) -> AggregateResultValidator<QualificationRegistration> {
    with_numbers(numbers)
        .given(proposed_by(application, &examiner(), Outcome::Approve))
        .when(examine(approve(&senior())))
}

fn approval_then(registration: RegistrationEvent) -> Events {
    let approval = approved(&examiner(), &senior(), Outcome::Approve);
    vec![exam(approval), registration]
}

fn nursery_teacher_living_in(address: &str) -> Events {
    let applicant = applicant_living_in(address, "");
    submitted_for(NURSERY, applicant, Channel::Online, &holder())
}

#[test]
fn an_approval_registers_the_holder_under_the_allocators_next_number() {
    let counters = Counters::after(CARE, 41);
    approving(counters.clone(), submitted())
        .then_expect_events(approval_then(registered_as("0000042")));
    assert_eq!(counters.last(CARE), Some(42));
}

#[test]
fn each_approval_takes_a_fresh_number_from_the_same_counter() {
    let counters = Arc::new(Counters::default());
    for number in ["0000001", "0000002"] {
        approving(counters.clone(), submitted())
            .then_expect_events(approval_then(registered_as(number)));
    }
}

#[test]
fn a_prefectural_number_is_counted_in_the_prefecture_the_holder_lives_in() {
    let counters = Arc::new(Counters::default());
    approving(
        counters.clone(),
        nursery_teacher_living_in("大阪府大阪市北区1-1"),
    )
    .then_expect_events(approval_then(RegistrationEvent::Registered {
        qualification_code: NURSERY.into(),
        registration_number: "大阪府-000001".into(),
        registered_on: today(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        valid_until: None,
    }));
    assert_eq!(counters.last("NURSERY_TEACHER/大阪府"), Some(1));
    assert_eq!(counters.last(NURSERY), None);
}

// The approval and the registration are one command: if no number can be
// had, the approval is not recorded either and can be retried.
#[test]
fn an_approval_is_refused_whole_when_the_allocator_fails() {
    approving(Arc::new(Unavailable), submitted()).then_expect_error(DomainError::Allocation);
}

#[test]
fn a_number_outside_the_qualifications_format_is_never_given() {
    approving(Counters::after(CARE, 9_999_999), submitted())
        .then_expect_error(DomainError::Allocation);
}

#[test]
fn a_prefectural_approval_is_refused_when_no_prefecture_can_be_told() {
    approving(
        Arc::new(Counters::default()),
        nursery_teacher_living_in("Paris"),
    )
    .then_expect_error(DomainError::PrefectureUnknown);
}

#[test]
fn a_rejection_takes_no_number() {
    let counters = Arc::new(Counters::default());
    let outcome = with_numbers(counters.clone())
        .given(proposed_by(submitted(), &examiner(), Outcome::Reject))
        .when(examine(approve(&senior())))
        .inspect_result();
    assert!(outcome.is_ok());
    assert_eq!(counters.last(CARE), None);
}

// The register's dates are Japanese: an approval at 01:00 on 1 April in
// Tokyo is still 31 March in UTC.
#[test]
fn the_registration_date_is_the_date_in_japan() {
    use chrono::{NaiveDate, TimeZone, Utc};
    let late_evening_utc = Utc.with_ymd_and_hms(2026, 3, 31, 16, 0, 0).unwrap();
    let counters = Counters::after(CARE, 0);
    with_numbers(counters)
        .given(proposed_by(submitted(), &examiner(), Outcome::Approve))
        .when(examine(ExaminationCommand::ApproveDecision {
            actor: senior(),
            at: late_evening_utc,
        }))
        .then_expect_events(vec![
            exam(ExaminationEvent::DecisionApproved {
                outcome: Outcome::Approve,
                proposed_by: examiner().id,
                by: senior().id,
                at: late_evening_utc,
            }),
            RegistrationEvent::Registered {
                qualification_code: CARE.into(),
                registration_number: "0000001".into(),
                registered_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                family_name: "山田".into(),
                given_name: "花子".into(),
                valid_until: None,
            },
        ]);
}
