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
