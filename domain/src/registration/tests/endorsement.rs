//! ENDORSEMENT requests: only an endorsement the qualification defines, an
//! ADD of one not held and a REMOVE of one held are filed; the approved
//! request adds or removes it, with the names recorded when it was filed.

use super::*;
use crate::catalogue::{Endorsement, Procedure};
use crate::change_request::{ChangeDetails, EndorsementAction, EndorsementChange};
use crate::DomainError;

const SUCTION: &str = "SUCTION_AND_TUBE_FEEDING";

/// The care worker's endorsement in the fixtures' catalogue.
pub(crate) fn suction() -> Endorsement {
    Endorsement {
        code: SUCTION.into(),
        name_ja: "喀痰吸引等行為（実地研修修了）".into(),
        name_en: "Suctioning and tube feeding (practical training completed)".into(),
        evidence: Some("the training certificate".into()),
    }
}

fn endorsement(code: &str, action: EndorsementAction) -> ChangeDetails {
    ChangeDetails {
        endorsement: Some(EndorsementChange {
            code: code.into(),
            action,
            name_ja: suction().name_ja,
            name_en: suction().name_en,
        }),
        ..request(Procedure::Endorsement)
    }
}

fn file(request_id: u128, details: ChangeDetails) -> RegistrationCommand {
    RegistrationCommand::FileChangeRequest {
        request_id: id(request_id),
        details: Box::new(details),
        actor: holder(),
        at: at(),
    }
}

fn filed(request_id: u128, details: ChangeDetails) -> RegistrationEvent {
    RegistrationEvent::ChangeRequestFiled {
        request_id: id(request_id),
        details: Box::new(details),
        at: at(),
    }
}

fn added(request_id: u128) -> RegistrationEvent {
    RegistrationEvent::EndorsementAdded {
        request_id: id(request_id),
        code: SUCTION.into(),
        name_ja: suction().name_ja,
        name_en: suction().name_en,
        at: at(),
    }
}

fn apply(request_id: u128) -> RegistrationCommand {
    RegistrationCommand::ApplyChange {
        request_id: id(request_id),
        at: at(),
    }
}

/// Registered and carrying the suctioning endorsement.
fn endorsed() -> Events {
    then(
        registered(),
        [
            filed(1, endorsement(SUCTION, EndorsementAction::Add)),
            added(1),
        ],
    )
}

#[test]
fn an_approved_addition_adds_the_endorsement_with_its_names() {
    let add = endorsement(SUCTION, EndorsementAction::Add);
    given(registered())
        .when(file(1, add.clone()))
        .then_expect_events(vec![filed(1, add.clone())]);
    given(then(registered(), [filed(1, add)]))
        .when(apply(1))
        .then_expect_events(vec![added(1)]);
    // Carried out once, however often the process manager sends it.
    given(endorsed()).when(apply(1)).then_expect_events(vec![]);
}

#[test]
fn the_registration_lists_what_it_carries_and_a_removal_takes_it_off() {
    let mut reg = QualificationRegistration::default();
    for e in endorsed() {
        cqrs_es::Aggregate::apply(&mut reg, e);
    }
    assert!(reg.holds_endorsement(SUCTION));
    assert_eq!(reg.endorsements[0].name_en, suction().name_en);
    assert!(reg.open_change_requests.is_empty(), "the slot is freed");
    let remove = endorsement(SUCTION, EndorsementAction::Remove);
    let removed = RegistrationEvent::EndorsementRemoved {
        request_id: id(2),
        code: SUCTION.into(),
        name_ja: suction().name_ja,
        name_en: suction().name_en,
        at: at(),
    };
    given(then(endorsed(), [filed(2, remove)]))
        .when(apply(2))
        .then_expect_events(vec![removed.clone()]);
    for e in [
        filed(2, endorsement(SUCTION, EndorsementAction::Remove)),
        removed,
    ] {
        cqrs_es::Aggregate::apply(&mut reg, e);
    }
    assert!(reg.endorsements.is_empty());
}

#[test]
fn an_unknown_code_a_duplicate_and_a_removal_of_none_held_are_refused() {
    given(registered())
        .when(file(
            1,
            endorsement("CLINICAL_TRAINING_COMPLETED", EndorsementAction::Add),
        ))
        .then_expect_error(DomainError::UnknownEndorsement);
    given(registered())
        .when(file(
            1,
            ChangeDetails {
                endorsement: None,
                ..request(Procedure::Endorsement)
            },
        ))
        .then_expect_error(DomainError::UnknownEndorsement);
    given(endorsed())
        .when(file(2, endorsement(SUCTION, EndorsementAction::Add)))
        .then_expect_error(DomainError::EndorsementAlreadyHeld);
    given(registered())
        .when(file(1, endorsement(SUCTION, EndorsementAction::Remove)))
        .then_expect_error(DomainError::EndorsementNotHeld);
    // Someone else's registration is not found, whatever they ask.
    given(registered())
        .when(RegistrationCommand::FileChangeRequest {
            request_id: id(1),
            details: Box::new(endorsement("NO_SUCH", EndorsementAction::Add)),
            actor: stranger(),
            at: at(),
        })
        .then_expect_error(DomainError::NotFound);
}
