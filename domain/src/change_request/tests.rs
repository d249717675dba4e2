//! Given/when/then tests of the change request aggregate: opened once,
//! examined under the rules registrations follow, its outcome recorded once.

use cqrs_es::test::{AggregateTestExecutor, TestFramework};

use super::{
    ChangeDetails, ChangeRequest, ChangeRequestCommand, ChangeRequestEvent, ChangeServices,
};
use crate::catalogue::Procedure;
use crate::examination::paper::PaperCommand;
use crate::examination::{ExaminationCommand, ExaminationEvent, Outcome};
use crate::money::Fee;
use crate::registration::tests::fixtures::*;
use crate::{Actor, DomainError};

type Events = Vec<ChangeRequestEvent>;

fn given(events: Events) -> AggregateTestExecutor<ChangeRequest> {
    let services = ChangeServices {
        catalogue: catalogue(),
    };
    TestFramework::with(services).given(events)
}

fn exam(event: ExaminationEvent) -> ChangeRequestEvent {
    ChangeRequestEvent::Examination(event)
}

fn examine(command: ExaminationCommand) -> ChangeRequestCommand {
    ChangeRequestCommand::Examination(command)
}

fn open(code: &str, details: ChangeDetails) -> ChangeRequestCommand {
    ChangeRequestCommand::Submit {
        registration_id: id(1),
        qualification_code: code.into(),
        holder: Some(HOLDER.into()),
        details: Box::new(details),
        at: at(),
    }
}

/// What `open` of a care worker's request records, charged `fee`.
fn opened(details: ChangeDetails, fee: Fee) -> Events {
    let requested = ChangeRequestEvent::ChangeRequested {
        registration_id: id(1),
        qualification_code: CARE.into(),
        holder: Some(HOLDER.into()),
        details: Box::new(details),
        submitted_at: at(),
        due_at: due(),
    };
    vec![requested, exam(ExaminationEvent::FeeAssessed { fee })]
}

/// The holder's name change, awaiting its fee.
fn name_change() -> Events {
    opened(request(Procedure::ChangeName), NAME_CHANGE_FEE)
}

fn then_exam(mut events: Events, more: impl IntoIterator<Item = ExaminationEvent>) -> Events {
    events.extend(more.into_iter().map(exam));
    events
}

/// Paid, and claimed by `by`, who proposes `outcome`.
fn proposed_by(by: &Actor, outcome: Outcome) -> Events {
    let examination = [
        settled(NAME_CHANGE_FEE),
        assigned(by),
        proposed(by, outcome),
    ];
    then_exam(name_change(), examination)
}

fn approved_change() -> Events {
    let approval = approved(&examiner(), &senior(), Outcome::Approve);
    then_exam(proposed_by(&examiner(), Outcome::Approve), [approval])
}

fn after(mut events: Events, event: ChangeRequestEvent) -> Events {
    events.push(event);
    events
}

fn record_applied() -> ChangeRequestCommand {
    ChangeRequestCommand::RecordApplied { at: at() }
}

fn applied() -> ChangeRequestEvent {
    ChangeRequestEvent::ChangeApplied { at: at() }
}

/// What the process manager reports when the registration was deleted meanwhile.
fn record_failed() -> ChangeRequestCommand {
    ChangeRequestCommand::RecordFailed {
        reason_code: "REGISTRATION_DELETED".into(),
        at: at(),
    }
}

fn failed() -> ChangeRequestEvent {
    ChangeRequestEvent::ChangeFailed {
        reason_code: "REGISTRATION_DELETED".into(),
        at: at(),
    }
}

fn settle_free_change() -> ChangeRequestCommand {
    examine(ExaminationCommand::SettlePayment {
        payment_reference: "pay-1".into(),
        amount: 0,
        at: at(),
    })
}

fn withdrawal_received_by_post() -> ChangeRequestCommand {
    examine(ExaminationCommand::Paper(PaperCommand::RecordWithdrawal {
        received_on: today(),
        actor: examiner(),
        at: at(),
    }))
}

fn withdrawn() -> Events {
    vec![exam(ExaminationEvent::ApplicationWithdrawn {
        at: at(),
        paper: None,
    })]
}

fn approved_by_other_senior() -> Events {
    let approval = approved(&senior(), &other_senior(), Outcome::Approve);
    vec![exam(approval)]
}

fn paid_and_unassigned() -> Events {
    then_exam(name_change(), [settled(NAME_CHANGE_FEE)])
}

rules! {
    a_change_request_opens_with_its_procedures_fee_and_due_date:
        given vec![], when open(CARE, request(Procedure::ChangeName)) => records name_change();
    // The API and the process manager may both open the same request.
    opening_the_same_request_again_changes_nothing:
        given name_change(), when open(CARE, request(Procedure::ChangeName)) => records vec![];
    a_procedure_the_qualification_does_not_offer_is_refused:
        given vec![], when open(NURSERY, request(Procedure::ChangeName))
        => refused DomainError::ProcedureNotOffered;
    a_request_that_was_never_opened_takes_no_command:
        given vec![], when record_applied() => refused DomainError::NotFound;
    // A free change is examined at once: there is nothing for the gateway to settle.
    a_free_change_goes_straight_to_examination:
        given opened(request(Procedure::ChangeAddress), Fee::default()),
        when settle_free_change()
        => refused DomainError::NotAwaitingPayment("UNDER_EXAMINATION");
    the_filer_withdraws_their_request:
        given name_change(), when examine(withdraw(&holder())) => records withdrawn();
    // Another applicant must not learn of the request, or of the registration.
    another_applicant_finds_no_request_to_withdraw:
        given name_change(), when examine(withdraw(&stranger())) => refused DomainError::NotFound;
    no_paper_record_is_taken_for_an_online_request:
        given name_change(), when withdrawal_received_by_post() => refused DomainError::NotPaperCase;
    a_change_request_must_be_assigned_before_a_decision_is_proposed:
        given paid_and_unassigned(), when examine(propose(&examiner(), Outcome::Approve))
        => refused DomainError::NotAssigned;
    a_proposer_cannot_approve_their_own_change:
        given proposed_by(&senior(), Outcome::Approve), when examine(approve(&senior()))
        => refused DomainError::FourEyes;
    // The registration changes through the process manager, not here.
    another_senior_examiner_approves_a_change_without_making_it:
        given proposed_by(&senior(), Outcome::Approve), when examine(approve(&other_senior()))
        => records approved_by_other_senior();
    the_change_made_is_recorded:
        given approved_change(), when record_applied() => records vec![applied()];
    // The process manager redelivers; the outcome must be recorded once.
    the_change_made_is_recorded_once_however_often_reported:
        given after(approved_change(), applied()), when record_applied() => records vec![];
    a_failure_is_recorded:
        given approved_change(), when record_failed() => records vec![failed()];
    a_failure_is_recorded_once:
        given after(approved_change(), failed()), when record_failed() => records vec![];
    // The registration was changed: a late failure report must not contradict it.
    no_failure_is_recorded_over_a_change_made:
        given after(approved_change(), applied()), when record_failed() => records vec![];
}
