//! Assignment before any examiner action, and the four-eyes decision.

use super::*;
use crate::DomainError;

fn request_information(actor: &Actor) -> RegistrationCommand {
    examine(ExaminationCommand::RequestInformation {
        reason_code: "DOCUMENT_MISSING".into(),
        message: "Please send your diploma.".into(),
        actor: actor.clone(),
        at: at(),
    })
}

fn examiner_assigns_someone_else() -> RegistrationCommand {
    examine(ExaminationCommand::Assign {
        examiner: other_examiner().id,
        actor: examiner(),
        at: at(),
    })
}

fn reject_without_reason() -> RegistrationCommand {
    examine(ExaminationCommand::ProposeDecision {
        outcome: Outcome::Reject,
        reason_code: None,
        note: String::new(),
        actor: examiner(),
        at: at(),
    })
}

fn approved_rejection() -> Events {
    let rejected = ExaminationEvent::ApplicationRejected {
        reason_code: "NOT_ELIGIBLE".into(),
        at: at(),
    };
    let approval = approved(&examiner(), &senior(), Outcome::Reject);
    vec![exam(approval), exam(rejected)]
}

fn approved_by_other_senior_and_registered() -> Events {
    let approval = approved(&senior(), &other_senior(), Outcome::Approve);
    vec![exam(approval), registered_as("0000001")]
}

fn proposal_by_examiner() -> Events {
    proposed_by(submitted(), &examiner(), Outcome::Approve)
}

fn proposal_by_senior() -> Events {
    proposed_by(submitted(), &senior(), Outcome::Approve)
}

rules! {
    an_examiner_claims_an_unassigned_case_for_themselves:
        given paid(submitted()), when examine(claim(&examiner()))
        => records vec![exam(assigned(&examiner()))];
    // Only a senior examiner distributes work.
    an_examiner_cannot_assign_a_case_to_someone_else:
        given paid(submitted()), when examiner_assigns_someone_else()
        => refused DomainError::AssignOthers;
    an_examiner_cannot_take_a_case_another_examiner_holds:
        given claimed(submitted(), &examiner()), when examine(claim(&other_examiner()))
        => refused DomainError::AlreadyAssigned;
    // Examination starts with the fee paid; before that there is nothing to work.
    an_unpaid_case_cannot_be_claimed:
        given submitted(), when examine(claim(&examiner()))
        => refused DomainError::NotUnderExamination("AWAITING_PAYMENT");
    a_case_must_be_assigned_before_a_decision_is_proposed:
        given paid(submitted()), when examine(propose(&examiner(), Outcome::Approve))
        => refused DomainError::NotAssigned;
    a_case_must_be_assigned_before_information_is_requested:
        given paid(submitted()), when request_information(&examiner())
        => refused DomainError::NotAssigned;
    only_the_assigned_examiner_proposes_a_decision:
        given claimed(submitted(), &examiner()),
        when examine(propose(&other_examiner(), Outcome::Approve))
        => refused DomainError::NotAssignee;
    the_assigned_examiner_proposes_a_decision:
        given claimed(submitted(), &examiner()),
        when examine(propose(&examiner(), Outcome::Approve))
        => records vec![exam(proposed(&examiner(), Outcome::Approve))];
    // The applicant is told why; a rejection without a stable reason tells nothing.
    a_rejection_cannot_be_proposed_without_a_reason_code:
        given claimed(submitted(), &examiner()), when reject_without_reason()
        => refused DomainError::ReasonRequired;
    a_second_proposal_waits_for_the_first_to_be_decided:
        given proposal_by_examiner(), when examine(propose(&examiner(), Outcome::Reject))
        => refused DomainError::ProposalPending;
    // A pending proposal freezes the file: the approver must see what was proposed on.
    no_information_is_requested_while_a_proposal_waits:
        given proposal_by_examiner(), when request_information(&examiner())
        => refused DomainError::ProposalPending;
    a_proposer_cannot_approve_their_own_proposal:
        given proposal_by_senior(), when examine(approve(&senior()))
        => refused DomainError::FourEyes;
    a_senior_examiner_who_is_not_the_proposer_approves_and_the_holder_is_registered:
        given proposal_by_senior(), when examine(approve(&other_senior()))
        => records approved_by_other_senior_and_registered();
    // Being a second pair of eyes is not enough: the second pair must be senior.
    an_examiner_who_is_not_senior_cannot_approve:
        given proposal_by_examiner(), when examine(approve(&other_examiner()))
        => refused DomainError::WrongRole;
    nothing_is_approved_without_a_proposal:
        given claimed(submitted(), &examiner()), when examine(approve(&senior()))
        => refused DomainError::NoProposal;
    an_approved_rejection_rejects_with_its_reason_and_registers_nothing:
        given proposed_by(submitted(), &examiner(), Outcome::Reject),
        when examine(approve(&senior()))
        => records approved_rejection();
    a_registered_case_takes_no_further_decision:
        given registered(), when examine(approve(&other_senior()))
        => refused DomainError::AlreadyDecided("REGISTERED");
}
