//! Given/when/then tests of the sanction aggregate: opened by examiners only,
//! with a sound period, examined under four eyes, never withdrawn by the holder.

use chrono::Duration;
use cqrs_es::test::{AggregateTestExecutor, TestFramework};

use super::{
    Sanction, SanctionCommand, SanctionDetails, SanctionEvent, SanctionKind, PREREQUISITE_ENDED,
};
use crate::examination::{ExaminationCommand, ExaminationEvent, Outcome};
use crate::money::Fee;
use crate::registration::tests::fixtures::*;
use crate::{Actor, DomainError};

type Events = Vec<SanctionEvent>;

fn given(events: Events) -> AggregateTestExecutor<Sanction> {
    TestFramework::with(()).given(events)
}

fn exam(event: ExaminationEvent) -> SanctionEvent {
    SanctionEvent::Examination(event)
}

fn examine(command: ExaminationCommand) -> SanctionCommand {
    SanctionCommand::Examination(command)
}

fn suspension(days: i64) -> SanctionDetails {
    SanctionDetails {
        kind: SanctionKind::Suspension,
        reason: "名称の不正使用".into(),
        legal_basis: "社会福祉士及び介護福祉士法第42条第2項".into(),
        starts_on: today(),
        ends_on: Some(today() + Duration::days(days)),
        opened_by: examiner().id,
    }
}

fn open(details: SanctionDetails, actor: Actor) -> SanctionCommand {
    SanctionCommand::Open {
        registration_id: id(1),
        qualification_code: CARE.into(),
        holder: Some(HOLDER.into()),
        details: Box::new(details),
        actor,
        at: at(),
    }
}

fn opened() -> Events {
    vec![
        SanctionEvent::SanctionOpened {
            registration_id: id(1),
            qualification_code: CARE.into(),
            holder: Some(HOLDER.into()),
            details: Box::new(suspension(30)),
            submitted_at: at(),
            due_at: at() + Duration::days(super::SANCTION_SERVICE_STANDARD_DAYS),
        },
        exam(ExaminationEvent::FeeAssessed {
            fee: Fee::default(),
        }),
    ]
}

fn proposed_by_examiner() -> Events {
    let mut events = opened();
    events.push(exam(assigned(&examiner())));
    events.push(exam(proposed(&examiner(), Outcome::Approve)));
    events
}

fn revocation_with_end() -> SanctionDetails {
    SanctionDetails {
        kind: SanctionKind::Revocation,
        ends_on: Some(today()),
        ..suspension(1)
    }
}

fn ungrounded() -> SanctionDetails {
    SanctionDetails {
        legal_basis: " ".into(),
        ..suspension(1)
    }
}

fn revocation() -> SanctionDetails {
    SanctionDetails {
        kind: SanctionKind::Revocation,
        ends_on: None,
        ..suspension(1)
    }
}

fn review() -> SanctionCommand {
    SanctionCommand::OpenReview {
        registration_id: id(1),
        qualification_code: CARE.into(),
        holder: Some(HOLDER.into()),
        details: Box::new(revocation()),
        ended_registration: id(2),
        at: at(),
    }
}

fn flagged() -> ExaminationEvent {
    ExaminationEvent::FlagRaised {
        flag: PREREQUISITE_ENDED.into(),
        related_cases: vec![id(2)],
        at: at(),
    }
}

fn review_opened() -> Events {
    let mut events = opened();
    if let SanctionEvent::SanctionOpened { details, .. } = &mut events[0] {
        **details = revocation();
    }
    events.push(exam(flagged()));
    events
}

fn review_proposed() -> Events {
    let mut events = review_opened();
    events.push(exam(assigned(&examiner())));
    events
}

rules! {
    an_examiner_opens_a_suspension_free_of_fee:
        given vec![], when open(suspension(30), examiner()) => records opened();
    the_holder_cannot_open_one:
        given vec![], when open(suspension(30), holder()) => refused DomainError::WrongRole;
    a_suspension_ends_after_it_starts:
        given vec![], when open(suspension(0), examiner()) => refused DomainError::InvalidSanctionPeriod;
    a_revocation_has_no_end:
        given vec![], when open(revocation_with_end(), examiner()) => refused DomainError::InvalidSanctionPeriod;
    a_sanction_names_its_legal_basis:
        given vec![], when open(ungrounded(), examiner()) => refused DomainError::ReasonRequired;
    the_holder_cannot_withdraw_it:
        given opened(), when examine(withdraw(&holder())) => refused DomainError::WrongRole;
    the_proposer_cannot_approve:
        given proposed_by_examiner(), when examine(approve(&examiner())) => refused DomainError::WrongRole;
    another_senior_examiner_approves:
        given proposed_by_examiner(), when examine(approve(&senior()))
        => records vec![exam(approved(&examiner(), &senior(), Outcome::Approve))];
    its_effect_is_recorded_once:
        given { let mut e = proposed_by_examiner(); e.push(SanctionEvent::SanctionApplied { at: at() }); e },
        when SanctionCommand::RecordApplied { at: at() } => records vec![];
    a_review_is_a_revocation_case_flagged_with_the_ended_prerequisite:
        given vec![], when review() => records review_opened();
    a_review_is_opened_once:
        given review_opened(), when review() => refused DomainError::AlreadyExists;
    a_review_cannot_be_proposed_for_approval_before_its_flag_is_cleared:
        given review_proposed(), when examine(propose(&examiner(), Outcome::Approve))
        => refused DomainError::FlagNotCleared;
}
