//! Change slots (one open request per kind, death notices aside) and the
//! application of an approved change, once however often it is sent.

use uuid::Uuid;

use super::*;
use crate::catalogue::Procedure;
use crate::change_request::{ChangeDetails, DeletionReason};
use crate::DomainError;

fn file(request_id: Uuid, details: ChangeDetails, actor: &Actor) -> RegistrationCommand {
    RegistrationCommand::FileChangeRequest {
        request_id,
        details: Box::new(details),
        actor: actor.clone(),
        at: at(),
    }
}

fn holder_files(request_id: Uuid, kind: Procedure) -> RegistrationCommand {
    file(request_id, request(kind), &holder())
}

fn filed(request_id: Uuid, details: ChangeDetails) -> RegistrationEvent {
    RegistrationEvent::ChangeRequestFiled {
        request_id,
        details: Box::new(details),
        at: at(),
    }
}

fn apply(request_id: Uuid) -> RegistrationCommand {
    RegistrationCommand::ApplyChange {
        request_id,
        at: at(),
    }
}

fn closed(request_id: Uuid) -> RegistrationEvent {
    RegistrationEvent::ChangeRequestClosed {
        request_id,
        at: at(),
    }
}

fn name_changed(request_id: Uuid) -> RegistrationEvent {
    RegistrationEvent::RegisteredMattersChanged {
        request_id,
        changes: request(Procedure::ChangeName).changes,
        at: at(),
    }
}

fn deleted(request_id: Uuid) -> RegistrationEvent {
    RegistrationEvent::RegistrationDeleted {
        request_id,
        reason: Some(DeletionReason::HolderRequest),
        at: at(),
    }
}

/// The registration with request 1 open.
fn with_open(details: ChangeDetails) -> Events {
    then(registered(), [filed(id(1), details)])
}

fn with_open_name_change() -> Events {
    with_open(request(Procedure::ChangeName))
}

fn examiner_files_from_paper() -> RegistrationCommand {
    file(id(1), address_change_on_paper(), &examiner())
}

fn address_change_on_paper() -> ChangeDetails {
    ChangeDetails {
        filed_by: examiner().id,
        channel: Channel::Paper,
        ..request(Procedure::ChangeAddress)
    }
}

fn notify_death(details: ChangeDetails) -> RegistrationCommand {
    RegistrationCommand::NotifyDeath {
        request_id: id(2),
        details: Box::new(details),
        actor: relative(),
        at: at(),
    }
}

fn close(request_id: Uuid) -> RegistrationCommand {
    RegistrationCommand::CloseChangeRequest {
        request_id,
        at: at(),
    }
}

fn reissue_requested() -> Events {
    vec![RegistrationEvent::CertificateReissueRequested {
        request_id: id(1),
        at: at(),
    }]
}

/// The holder's name change, and their deletion (request 2) carried out.
fn deleted_with_name_change_open() -> Events {
    let deletion = filed(id(2), request(Procedure::DeleteRegistration));
    then(with_open_name_change(), [deletion, deleted(id(2))])
}

fn deleted_on_request() -> Events {
    then(
        with_open(request(Procedure::DeleteRegistration)),
        [deleted(id(1))],
    )
}

rules! {
    the_holder_files_a_change_request_on_their_registration:
        given registered(), when holder_files(id(1), Procedure::ChangeName)
        => records vec![filed(id(1), request(Procedure::ChangeName))];
    an_examiner_files_a_change_request_that_came_on_paper:
        given registered(), when examiner_files_from_paper()
        => records vec![filed(id(1), address_change_on_paper())];
    // As with applications, another applicant must not learn the registration exists.
    another_applicant_finds_no_registration_to_change:
        given registered(), when file(id(1), request(Procedure::ChangeName), &stranger())
        => refused DomainError::NotFound;
    a_second_request_of_the_same_kind_is_refused_while_one_is_open:
        given with_open_name_change(), when holder_files(id(2), Procedure::ChangeName)
        => refused DomainError::ChangeRequestOpen;
    a_request_of_another_kind_may_be_open_beside_it:
        given with_open_name_change(), when holder_files(id(2), Procedure::ChangeAddress)
        => records vec![filed(id(2), request(Procedure::ChangeAddress))];
    // The API and the process manager may both file the same request.
    filing_the_same_request_again_changes_nothing:
        given with_open_name_change(), when holder_files(id(1), Procedure::ChangeName)
        => records vec![];
    a_request_closed_without_a_change_frees_its_slot:
        given then(with_open_name_change(), [closed(id(1))]),
        when holder_files(id(2), Procedure::ChangeName)
        => records vec![filed(id(2), request(Procedure::ChangeName))];
    an_applied_request_frees_its_slot:
        given then(with_open_name_change(), [name_changed(id(1))]),
        when holder_files(id(2), Procedure::ChangeName)
        => records vec![filed(id(2), request(Procedure::ChangeName))];
    an_open_request_is_closed:
        given with_open_name_change(), when close(id(1)) => records vec![closed(id(1))];
    closing_a_request_that_is_not_open_changes_nothing:
        given then(with_open_name_change(), [closed(id(1))]), when close(id(1)) => records vec![];
    // A mistaken or malicious notice must never stop the holder acting.
    a_death_notice_does_not_hold_the_holders_deletion_slot:
        given with_open(death_notice()), when holder_files(id(2), Procedure::DeleteRegistration)
        => records vec![filed(id(2), request(Procedure::DeleteRegistration))];
    a_relative_notifies_a_death_beside_the_holders_open_deletion:
        given with_open(request(Procedure::DeleteRegistration)), when notify_death(death_notice())
        => records vec![filed(id(2), death_notice())];
    a_relative_cannot_file_anything_but_a_death_notice:
        given registered(), when notify_death(request(Procedure::ChangeName))
        => refused DomainError::WrongRole;
    no_change_request_is_filed_before_registration:
        given paid(submitted()), when holder_files(id(1), Procedure::ChangeName)
        => refused DomainError::NotRegistered;
    no_change_request_is_filed_after_deletion:
        given deleted_on_request(), when holder_files(id(2), Procedure::ChangeName)
        => refused DomainError::RegistrationDeleted;
    an_approved_name_change_is_made_on_the_register:
        given with_open_name_change(), when apply(id(1)) => records vec![name_changed(id(1))];
    // The process manager redelivers; the register must change once.
    applying_the_same_change_twice_changes_nothing_the_second_time:
        given then(with_open_name_change(), [name_changed(id(1))]), when apply(id(1))
        => records vec![];
    an_approved_reissue_asks_for_a_new_certificate:
        given with_open(request(Procedure::ReissueCertificate)), when apply(id(1))
        => records reissue_requested();
    an_approved_deletion_removes_the_registration:
        given with_open(request(Procedure::DeleteRegistration)), when apply(id(1))
        => records vec![deleted(id(1))];
    // A repeat of the deletion itself is answered as done, not as "deleted".
    applying_the_same_deletion_twice_is_a_no_op:
        given deleted_on_request(), when apply(id(1)) => records vec![];
    a_request_closed_without_a_change_is_not_applied:
        given then(with_open_name_change(), [closed(id(1))]), when apply(id(1))
        => refused DomainError::NotFound;
    no_other_change_is_applied_once_the_registration_is_deleted:
        given deleted_with_name_change_open(), when apply(id(1))
        => refused DomainError::RegistrationDeleted;
}
