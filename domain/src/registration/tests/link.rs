//! The initial setting's link and its dispute.

use super::*;
use crate::DomainError;

fn imported() -> Events {
    vec![RegistrationEvent::RegistrationImported {
        qualification_code: "CARE_WORKER".into(),
        registration_number: "0100001".into(),
        registered_on: today(),
        holder: Box::new(applicant()),
        at: at(),
    }]
}

fn linked_by(by: &Actor) -> RegistrationEvent {
    RegistrationEvent::HolderLinked {
        owner: by.id.clone(),
        my_number_ref: id(9),
        at: at(),
    }
}

fn dispute(by: &Actor) -> RegistrationCommand {
    RegistrationCommand::DisputeLink {
        reason: "I never linked it".into(),
        actor: by.clone(),
        at: at(),
    }
}

#[test]
fn a_link_made_online_can_be_disputed_by_someone_else() {
    given(then(imported(), [linked_by(&stranger())]))
        .when(dispute(&holder()))
        .then_expect_events(vec![RegistrationEvent::HolderLinkDisputed {
            qualification_code: "CARE_WORKER".into(),
            disputed_by: holder().id,
            reason: "I never linked it".into(),
            at: at(),
        }]);
}

#[test]
fn there_is_nothing_to_dispute_before_a_link_nor_for_the_linked_holder() {
    given(imported())
        .when(dispute(&holder()))
        .then_expect_error(DomainError::NotLinked);
    given(registered())
        .when(dispute(&stranger()))
        .then_expect_error(DomainError::NotLinked);
    given(then(imported(), [linked_by(&holder())]))
        .when(dispute(&holder()))
        .then_expect_error(DomainError::WrongRole);
}

fn disputed() -> Events {
    let dispute = RegistrationEvent::HolderLinkDisputed {
        qualification_code: "CARE_WORKER".into(),
        disputed_by: holder().id,
        reason: "I never linked it".into(),
        at: at(),
    };
    then(imported(), [linked_by(&stranger()), dispute])
}

fn resolve(unlink: bool, reason: &str, by: &Actor) -> RegistrationCommand {
    RegistrationCommand::ResolveLinkDispute {
        unlink,
        reason: reason.into(),
        actor: by.clone(),
        at: at(),
    }
}

fn resolved(unlinked: bool) -> RegistrationEvent {
    RegistrationEvent::LinkDisputeResolved {
        unlinked,
        reason: "the linker is not the holder".into(),
        by: senior().id,
        at: at(),
    }
}

#[test]
fn a_senior_examiner_resolves_an_open_dispute_with_a_reason() {
    given(disputed())
        .when(resolve(true, "the linker is not the holder", &senior()))
        .then_expect_events(vec![resolved(true)]);
    given(disputed())
        .when(resolve(true, "why", &examiner()))
        .then_expect_error(DomainError::WrongRole);
    given(disputed())
        .when(resolve(true, "why", &stranger()))
        .then_expect_error(DomainError::WrongRole);
    given(disputed())
        .when(resolve(false, " \t", &senior()))
        .then_expect_error(DomainError::ResolutionReasonRequired);
}

#[test]
fn there_is_nothing_to_resolve_without_an_open_dispute() {
    given(then(imported(), [linked_by(&stranger())]))
        .when(resolve(false, "why", &senior()))
        .then_expect_error(DomainError::NoDispute);
    given(then(disputed(), [resolved(false)]))
        .when(resolve(true, "again", &senior()))
        .then_expect_error(DomainError::NoDispute);
}

/// The registration after `events`, as the aggregate rebuilds it.
fn state(events: Events) -> QualificationRegistration {
    let mut reg = QualificationRegistration::default();
    for e in events {
        cqrs_es::Aggregate::apply(&mut reg, e);
    }
    reg
}

#[test]
fn an_undone_link_leaves_the_registration_as_before_it_and_may_be_made_again() {
    let before = state(imported());
    let undone = state(then(disputed(), [resolved(true)]));
    assert!(!undone.link_disputed);
    assert_eq!(undone.owner, None);
    assert_eq!(undone.linked_at, None);
    assert_eq!(undone.my_number_ref, before.my_number_ref);
    given(then(disputed(), [resolved(true)]))
        .when(RegistrationCommand::LinkHolder {
            my_number_ref: id(9),
            actor: holder(),
            at: at(),
        })
        .then_expect_events(vec![linked_by(&holder())]);
}

#[test]
fn an_upheld_link_stands_and_is_no_longer_disputed() {
    let upheld = state(then(disputed(), [resolved(false)]));
    assert!(!upheld.link_disputed);
    assert_eq!(upheld.owner, Some(stranger().id));
    assert_eq!(upheld.my_number_ref, Some(id(9)));
    // Disputed again later: a new dispute, resolved anew.
    given(then(disputed(), [resolved(false)]))
        .when(dispute(&holder()))
        .then_expect_events(vec![RegistrationEvent::HolderLinkDisputed {
            qualification_code: "CARE_WORKER".into(),
            disputed_by: holder().id,
            reason: "I never linked it".into(),
            at: at(),
        }]);
}

#[test]
fn an_application_linked_again_keeps_its_own_number_when_unlinked() {
    // Linking a registration applied for online is refused (it has an
    // owner), so the number before a link is only ever none or the
    // application's; the state keeps whichever it was.
    let mut reg = state(registered());
    let own = reg.my_number_ref;
    reg.owner = None;
    cqrs_es::Aggregate::apply(&mut reg, linked_by(&stranger()));
    cqrs_es::Aggregate::apply(&mut reg, resolved(true));
    assert_eq!(reg.my_number_ref, own);
}
