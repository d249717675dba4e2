//! Who may submit what, and who may act on an application afterwards.

use super::*;
use crate::examination::paper::{PaperCommand, PaperRecord};
use crate::payment::PaymentEvent;
use crate::{DomainError, Role};

fn record_payment(actor: &Actor) -> RegistrationCommand {
    examine(ExaminationCommand::Paper(PaperCommand::RecordPayment {
        receipt_reference: "stamps-1".into(),
        amount: REGISTRATION_FEE.total(),
        received_on: today(),
        actor: actor.clone(),
        at: at(),
    }))
}

fn paid_on_paper_by(actor: &Actor) -> Events {
    vec![exam(ExaminationEvent::PaymentSettled {
        payment_reference: "stamps-1".into(),
        amount: REGISTRATION_FEE.total(),
        at: at(),
        paper: Some(PaperRecord {
            received_on: today(),
            recorded_by: actor.id.clone(),
        }),
    })]
}

fn withdrawn_and_refunded() -> Events {
    let refund = PaymentEvent::RefundRequested {
        amount: REGISTRATION_FEE.total(),
        payment_reference: "pay-1".into(),
        at: at(),
    };
    let withdrawn = ExaminationEvent::ApplicationWithdrawn {
        at: at(),
        paper: None,
    };
    vec![exam(withdrawn), exam(ExaminationEvent::Payment(refund))]
}

rules! {
    an_applicant_submits_online_and_is_charged_the_catalogue_fee:
        given vec![], when submit(Channel::Online, &holder()) => records submitted();
    an_examiner_enters_a_paper_application_that_no_applicant_owns:
        given vec![], when submit(Channel::Paper, &examiner()) => records on_paper();
    a_senior_examiner_may_also_enter_a_paper_application:
        given vec![], when submit(Channel::Paper, &senior())
        => records submitted_for(CARE, applicant(), Channel::Paper, &senior());
    // Paper is for those without an online account, and the applicant has one.
    an_applicant_cannot_submit_on_paper:
        given vec![], when submit(Channel::Paper, &holder()) => refused DomainError::WrongRole;
    // Online, the applicant declares for themselves; nobody submits in their name.
    an_examiner_cannot_submit_online_in_an_applicants_place:
        given vec![], when submit(Channel::Online, &examiner()) => refused DomainError::WrongRole;
    an_application_is_submitted_only_once:
        given submitted(), when submit(Channel::Online, &holder())
        => refused DomainError::AlreadyExists;
    a_qualification_missing_from_the_catalogue_takes_no_application:
        given vec![], when submit_for("NO_SUCH", applicant(), Channel::Online, &holder())
        => refused DomainError::UnknownQualification;
    a_qualification_that_no_longer_registers_takes_no_application:
        given vec![], when submit_for(CLOSED, applicant(), Channel::Online, &holder())
        => refused DomainError::ProcedureNotOffered;
    nothing_but_a_submission_reaches_an_application_that_does_not_exist:
        given vec![], when examine(claim(&examiner())) => refused DomainError::NotFound;
    the_owner_withdraws_a_paid_application_and_is_refunded:
        given paid(submitted()), when examine(withdraw(&holder()))
        => records withdrawn_and_refunded();
    // Another applicant must not even learn that the application exists.
    another_applicant_finds_no_application_to_withdraw:
        given submitted(), when examine(withdraw(&stranger())) => refused DomainError::NotFound;
    an_examiner_cannot_withdraw_an_online_application:
        given submitted(), when examine(withdraw(&examiner())) => refused DomainError::WrongRole;
    // A paper application has no online owner, so no applicant can see it.
    no_applicant_acts_on_a_paper_application:
        given on_paper(), when examine(withdraw(&holder())) => refused DomainError::NotFound;
    // Before examination nobody is assigned, yet the fee may already arrive by post.
    an_examiner_records_a_fee_paid_on_paper_for_a_paper_application:
        given on_paper(), when record_payment(&examiner()) => records paid_on_paper_by(&examiner());
    // The online applicant pays through the gateway; a paper receipt would bypass it.
    no_paper_record_is_taken_for_an_online_application:
        given submitted(), when record_payment(&examiner()) => refused DomainError::NotPaperCase;
}

#[test]
fn ministry_and_admin_submit_on_no_channel() {
    for role in [Role::Ministry, Role::Admin] {
        for channel in [Channel::Online, Channel::Paper] {
            given(vec![])
                .when(submit(channel, &Actor::new("official", role)))
                .then_expect_error(DomainError::WrongRole);
        }
    }
}
