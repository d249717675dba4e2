//! Recording a signed certificate: once per certificate id, and only for a
//! registration on the register.

use uuid::Uuid;

use super::*;
use crate::change_request::DeletionReason;
use crate::DomainError;

/// The command and the event of one certificate carry the same fields.
macro_rules! certificate {
    ($($variant:ident)::+, $id:expr) => {
        $($variant)::+ {
            certificate_id: $id,
            status_index: 5,
            kid: "key-1".into(),
            issued_at: at(),
            token: "c2lnbmVk".into(),
            verification_url: "https://shikaku.example/verify?c=c2lnbmVk".into(),
        }
    };
}

fn issue(certificate_id: Uuid) -> RegistrationCommand {
    certificate!(RegistrationCommand::IssueCertificate, certificate_id)
}

fn issued(certificate_id: Uuid) -> RegistrationEvent {
    certificate!(RegistrationEvent::CertificateIssued, certificate_id)
}

fn deleted_by_death() -> Events {
    let notice = RegistrationEvent::ChangeRequestFiled {
        request_id: id(1),
        details: Box::new(death_notice()),
        at: at(),
    };
    let deletion = RegistrationEvent::RegistrationDeleted {
        request_id: id(1),
        reason: Some(DeletionReason::Death),
        at: at(),
    };
    vec![notice, deletion]
}

fn registered_with_certificate() -> Events {
    then(registered(), [issued(id(10))])
}

rules! {
    a_registered_holder_is_issued_a_certificate:
        given registered(), when issue(id(10)) => records vec![issued(id(10))];
    // The certificate job may run again after a crash; the holder must not get two.
    issuing_the_same_certificate_twice_records_it_once:
        given registered_with_certificate(), when issue(id(10)) => records vec![];
    a_certificate_with_a_new_id_is_a_new_issue:
        given registered_with_certificate(), when issue(id(11)) => records vec![issued(id(11))];
    no_certificate_is_issued_before_registration:
        given proposed_by(submitted(), &examiner(), Outcome::Approve), when issue(id(10))
        => refused DomainError::NotRegistered;
    no_certificate_is_issued_for_a_deleted_registration:
        given then(registered(), deleted_by_death()), when issue(id(10))
        => refused DomainError::RegistrationDeleted;
    // A job that finished before the deletion and runs again is answered as done.
    a_repeat_of_a_certificate_issued_before_deletion_is_still_a_no_op:
        given then(registered_with_certificate(), deleted_by_death()), when issue(id(10))
        => records vec![];
}
