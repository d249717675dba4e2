//! Given/when/then tests of the registration aggregate, run by cqrs-es's
//! `TestFramework` against an in-memory catalogue and number allocator.

mod certificate;
mod changes;
mod decision;
mod endorsement;
pub(crate) mod fixtures;
mod holding;
mod link;
mod numbering;
mod samples;
mod stored;
mod submission;
mod validity;

use std::sync::Arc;

use cqrs_es::test::{AggregateTestExecutor, TestFramework};

use super::{
    Applicant, Channel, QualificationRegistration, RegistrationCommand, RegistrationEvent,
    RegistrationNumbers, RegistrationServices,
};
use crate::examination::{ExaminationCommand, ExaminationEvent, Outcome};
use crate::Actor;
use fixtures::*;

type Events = Vec<RegistrationEvent>;

fn with_numbers(numbers: Arc<dyn RegistrationNumbers>) -> TestFramework<QualificationRegistration> {
    TestFramework::with(RegistrationServices {
        catalogue: catalogue(),
        numbers,
    })
}

fn given(events: Events) -> AggregateTestExecutor<QualificationRegistration> {
    with_numbers(Arc::new(Counters::default())).given(events)
}

fn exam(event: ExaminationEvent) -> RegistrationEvent {
    RegistrationEvent::Examination(event)
}

fn examine(command: ExaminationCommand) -> RegistrationCommand {
    RegistrationCommand::Examination(command)
}

fn submit_for(
    code: &str,
    applicant: Applicant,
    channel: Channel,
    by: &Actor,
) -> RegistrationCommand {
    submit_holding(code, applicant, channel, by, vec![])
}

/// `submit_for` while other cases hold the same My Number.
fn submit_holding(
    code: &str,
    applicant: Applicant,
    channel: Channel,
    by: &Actor,
    holdings: Vec<super::Holding>,
) -> RegistrationCommand {
    RegistrationCommand::Submit {
        qualification_code: code.into(),
        applicant: Box::new(applicant),
        my_number_ref: id(7),
        channel,
        owner: (channel == Channel::Online).then(|| by.id.clone()),
        holdings,
        actor: by.clone(),
        at: at(),
    }
}

fn submit(channel: Channel, by: &Actor) -> RegistrationCommand {
    submit_for(CARE, applicant(), channel, by)
}

/// What `submit_for` with the same arguments records.
fn submitted_for(code: &str, applicant: Applicant, channel: Channel, by: &Actor) -> Events {
    vec![
        RegistrationEvent::ApplicationSubmitted {
            qualification_code: code.into(),
            applicant: Box::new(applicant),
            my_number_ref: id(7),
            channel,
            owner: (channel == Channel::Online).then(|| by.id.clone()),
            entered_by: by.id.clone(),
            submitted_at: at(),
            due_at: due(),
        },
        exam(ExaminationEvent::FeeAssessed {
            fee: REGISTRATION_FEE,
        }),
    ]
}

/// The holder's online application, awaiting payment.
fn submitted() -> Events {
    submitted_for(CARE, applicant(), Channel::Online, &holder())
}

/// A paper application entered by an examiner, awaiting payment.
fn on_paper() -> Events {
    submitted_for(CARE, applicant(), Channel::Paper, &examiner())
}

fn then(mut events: Events, more: impl IntoIterator<Item = RegistrationEvent>) -> Events {
    events.extend(more);
    events
}

fn then_exam(events: Events, more: impl IntoIterator<Item = ExaminationEvent>) -> Events {
    then(events, more.into_iter().map(exam))
}

/// Paid, so under examination.
fn paid(application: Events) -> Events {
    then_exam(application, [settled(REGISTRATION_FEE)])
}

fn claimed(application: Events, by: &Actor) -> Events {
    then_exam(paid(application), [assigned(by)])
}

/// Claimed by `by`, who proposes `outcome`.
fn proposed_by(application: Events, by: &Actor, outcome: Outcome) -> Events {
    then_exam(claimed(application, by), [proposed(by, outcome)])
}

fn registered_as(number: &str) -> RegistrationEvent {
    RegistrationEvent::Registered {
        qualification_code: CARE.into(),
        registration_number: number.into(),
        registered_on: today(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        valid_until: None,
    }
}

/// The holder's application, approved by four eyes and on the register.
fn registered() -> Events {
    let proposal = proposed_by(submitted(), &examiner(), Outcome::Approve);
    let approval = approved(&examiner(), &senior(), Outcome::Approve);
    then(proposal, [exam(approval), registered_as("0000001")])
}
