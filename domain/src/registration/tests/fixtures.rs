//! What the given/when/then tests of both aggregates stand on: a small
//! catalogue, an in-memory number allocator, the people who act, and the
//! shared examination events and commands.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use crate::catalogue::{Catalogue, InForce, Procedure, ProcedureTerms, Qualification};
use crate::change_request::{ChangeDetails, DeletionReason, MatterChanges};
use crate::death_notification::DeathNotice;
use crate::examination::{ExaminationCommand, ExaminationEvent, Outcome, Proposal};
use crate::money::Fee;
use crate::registration::number::{NumberFormat, NumberSeries, PREFECTURES};
use crate::registration::{Applicant, Channel, RegistrationNumbers};
use crate::{Actor, DomainError, Role};

/// Declares one `#[test]` per rule, named by it, in the given/when/then form of
/// cqrs-es's `TestFramework`:
/// `name: given EVENTS, when COMMAND => records EVENTS;` or `... => refused ERROR;`.
/// `given` is the calling module's own, so one table form serves both aggregates.
macro_rules! rules {
    () => {};
    ($name:ident: given $given:expr, when $when:expr => records $then:expr; $($rest:tt)*) => {
        #[test]
        fn $name() {
            given($given).when($when).then_expect_events($then);
        }
        rules!($($rest)*);
    };
    ($name:ident: given $given:expr, when $when:expr => refused $error:expr; $($rest:tt)*) => {
        #[test]
        fn $name() {
            given($given).when($when).then_expect_error($error);
        }
        rules!($($rest)*);
    };
}
pub(crate) use rules;

/// National numbers: seven digits from one counter.
pub(crate) const CARE: &str = "CARE_WORKER";
/// Prefectural numbers: `東京都-012345`; offers nothing but new registrations.
pub(crate) const NURSERY: &str = "NURSERY_TEACHER";
/// Still on the register, but no longer takes new applications.
pub(crate) const CLOSED: &str = "CLOSED";

pub(crate) const REGISTRATION_FEE: Fee = Fee {
    licence_tax: 9000,
    handling_fee: 3320,
};
pub(crate) const NAME_CHANGE_FEE: Fee = Fee {
    licence_tax: 0,
    handling_fee: 500,
};
pub(crate) const SERVICE_STANDARD_DAYS: i32 = 30;

/// The day the fixtures' procedures went online with their fees.
pub(crate) fn online_since() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 8, 6).unwrap()
}

fn qualification(
    code: &str,
    series: NumberSeries,
    format: &str,
    procedures: &[(Procedure, Fee)],
) -> Qualification {
    let mut q = Qualification::bare(code, NumberFormat::parse(format).unwrap(), series);
    q.procedures = procedures
        .iter()
        .map(|&(procedure, fee)| {
            ProcedureTerms::since(procedure, online_since(), fee, SERVICE_STANDARD_DAYS)
        })
        .collect();
    q.revocation_bar_years = (code == "CARE_WORKER").then_some(2);
    q
}

pub(crate) fn catalogue() -> InForce {
    use Procedure as P;
    let free = Fee::default();
    let reissue = Fee {
        licence_tax: 0,
        handling_fee: 1200,
    };
    let care = [
        (P::NewRegistration, REGISTRATION_FEE),
        (P::ChangeName, NAME_CHANGE_FEE),
        (P::ChangeAddress, free),
        (P::ReissueCertificate, reissue),
        (P::DeleteRegistration, free),
    ];
    let prefectural = format!("^({})-[0-9]{{6}}$", PREFECTURES.join("|"));
    InForce::new(Catalogue {
        version: 1,
        qualifications: vec![
            qualification(CARE, NumberSeries::National, "^[0-9]{7}$", &care),
            qualification(
                NURSERY,
                NumberSeries::Prefecture,
                &prefectural,
                &[(P::NewRegistration, REGISTRATION_FEE)],
            ),
            qualification(CLOSED, NumberSeries::National, "^[0-9]{7}$", &[]),
        ],
    })
}

/// Counts per counter key as the database's counter rows do, and lets a test
/// start a counter where the register already stands.
#[derive(Default)]
pub(crate) struct Counters(Mutex<HashMap<String, u64>>);

impl Counters {
    pub(crate) fn after(counter: &str, last: u64) -> Arc<Self> {
        let counters = Self::default();
        counters.0.lock().unwrap().insert(counter.into(), last);
        Arc::new(counters)
    }

    pub(crate) fn last(&self, counter: &str) -> Option<u64> {
        self.0.lock().unwrap().get(counter).copied()
    }
}

#[async_trait]
impl RegistrationNumbers for Counters {
    async fn next(&self, counter: &str) -> Result<String, DomainError> {
        let mut counters = self.0.lock().unwrap();
        let value = counters.entry(counter.into()).or_default();
        *value += 1;
        Ok(format!("{value:07}"))
    }
}

/// An allocator whose store does not answer.
pub(crate) struct Unavailable;

#[async_trait]
impl RegistrationNumbers for Unavailable {
    async fn next(&self, _: &str) -> Result<String, DomainError> {
        Err(DomainError::Allocation)
    }
}

/// Noon in Japan, so the UTC and the JST date agree.
pub(crate) fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 3, 0, 0).unwrap()
}

pub(crate) fn today() -> NaiveDate {
    at().date_naive()
}

pub(crate) fn due() -> DateTime<Utc> {
    at() + chrono::Duration::days(SERVICE_STANDARD_DAYS.into())
}

pub(crate) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub(crate) const HOLDER: &str = "alice";
pub(crate) const RELATIVE: &str = "bob";

pub(crate) fn holder() -> Actor {
    Actor::new(HOLDER, Role::Applicant)
}

pub(crate) fn stranger() -> Actor {
    Actor::new("mallory", Role::Applicant)
}

pub(crate) fn relative() -> Actor {
    Actor::new(RELATIVE, Role::Applicant)
}

pub(crate) fn examiner() -> Actor {
    Actor::new("ex-1", Role::Examiner)
}

pub(crate) fn other_examiner() -> Actor {
    Actor::new("ex-2", Role::Examiner)
}

pub(crate) fn senior() -> Actor {
    Actor::new("sr-1", Role::SeniorExaminer)
}

pub(crate) fn other_senior() -> Actor {
    Actor::new("sr-2", Role::SeniorExaminer)
}

pub(crate) fn applicant_living_in(address: &str, domicile: &str) -> Applicant {
    Applicant {
        family_name: "山田".into(),
        given_name: "花子".into(),
        family_name_kana: "ヤマダ".into(),
        given_name_kana: "ハナコ".into(),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 4, 1).unwrap(),
        address: address.into(),
        registered_domicile: domicile.into(),
        email: "hanako@example.jp".into(),
        exam_pass_number: "P-1".into(),
        preferred_language: Default::default(),
        nationality: None,
    }
}

pub(crate) fn applicant() -> Applicant {
    applicant_living_in("東京都千代田区1-1", "東京都")
}

/// What the holder files: a name change names the new family name, a
/// deletion is at the holder's request.
pub(crate) fn request(kind: Procedure) -> ChangeDetails {
    let changes = match kind {
        Procedure::ChangeName => MatterChanges {
            family_name: Some("佐藤".into()),
            ..Default::default()
        },
        Procedure::ChangeAddress => MatterChanges {
            address: Some("大阪府大阪市北区1-1".into()),
            ..Default::default()
        },
        _ => MatterChanges::default(),
    };
    ChangeDetails {
        kind,
        changes,
        deletion_reason: (kind == Procedure::DeleteRegistration)
            .then_some(DeletionReason::HolderRequest),
        date_of_death: None,
        notifier_relationship: None,
        attachments: vec![],
        note: None,
        filed_by: HOLDER.into(),
        channel: Channel::Online,
        email: None,
        preferred_language: None,
    }
}

/// A relative's notice of the holder's death.
pub(crate) fn death_notice() -> ChangeDetails {
    let notice = DeathNotice {
        reason: DeletionReason::Death,
        date_of_death: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
        relationship: "child".into(),
        attachments: vec![],
        email: None,
        preferred_language: None,
        receipt_id: id(99),
    };
    notice.into_details(RELATIVE, Channel::Online)
}

fn reason(outcome: Outcome) -> Option<String> {
    (outcome == Outcome::Reject).then(|| "NOT_ELIGIBLE".into())
}

pub(crate) fn settled(fee: Fee) -> ExaminationEvent {
    ExaminationEvent::PaymentSettled {
        payment_reference: "pay-1".into(),
        amount: fee.total(),
        at: at(),
        paper: None,
    }
}

pub(crate) fn assigned(examiner: &Actor) -> ExaminationEvent {
    ExaminationEvent::ExaminerAssigned {
        examiner: examiner.id.clone(),
        by: examiner.id.clone(),
        at: at(),
    }
}

pub(crate) fn proposed(by: &Actor, outcome: Outcome) -> ExaminationEvent {
    ExaminationEvent::DecisionProposed {
        proposal: Proposal {
            outcome,
            reason_code: reason(outcome),
            note: String::new(),
            by: by.id.clone(),
        },
        at: at(),
    }
}

pub(crate) fn approved(proposer: &Actor, by: &Actor, outcome: Outcome) -> ExaminationEvent {
    ExaminationEvent::DecisionApproved {
        outcome,
        proposed_by: proposer.id.clone(),
        by: by.id.clone(),
        at: at(),
    }
}

pub(crate) fn claim(actor: &Actor) -> ExaminationCommand {
    ExaminationCommand::Assign {
        examiner: actor.id.clone(),
        actor: actor.clone(),
        at: at(),
    }
}

pub(crate) fn propose(actor: &Actor, outcome: Outcome) -> ExaminationCommand {
    ExaminationCommand::ProposeDecision {
        outcome,
        reason_code: reason(outcome),
        note: String::new(),
        actor: actor.clone(),
        at: at(),
    }
}

pub(crate) fn approve(actor: &Actor) -> ExaminationCommand {
    ExaminationCommand::ApproveDecision {
        actor: actor.clone(),
        at: at(),
    }
}

pub(crate) fn withdraw(actor: &Actor) -> ExaminationCommand {
    ExaminationCommand::Withdraw {
        actor: actor.clone(),
        at: at(),
    }
}
