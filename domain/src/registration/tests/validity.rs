//! Validity: the date set on approval, renewals (from the old date, or from
//! the approval date once expired), reminders once each and superseded by a
//! later one already due, and the expiry of the date still in force only.

use chrono::{DateTime, Days, NaiveDate, Utc};
use uuid::Uuid;

use super::*;
use crate::catalogue::Procedure;
use crate::examination::CaseStatus;
use crate::registration::validity::{valid_until, REMINDER_DAYS};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Noon in Japan on `day`.
fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(3, 0, 0).unwrap().and_utc()
}

/// A care manager's registration valid until `until`.
fn manager_until(until: NaiveDate) -> Events {
    let mut events = submitted_for(MANAGER, applicant(), Channel::Online, &holder());
    events.push(RegistrationEvent::Registered {
        qualification_code: MANAGER.into(),
        registration_number: "0000001".into(),
        registered_on: today(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        valid_until: Some(until),
    });
    events
}

fn with_renewal_filed(mut events: Events) -> Events {
    events.push(RegistrationEvent::ChangeRequestFiled {
        request_id: id(1),
        details: Box::new(request(Procedure::Renewal)),
        at: at(),
    });
    events
}

fn renewed(previous: NaiveDate, until: NaiveDate, revived: Option<CaseStatus>) -> Events {
    vec![RegistrationEvent::RegistrationRenewed {
        request_id: id(1),
        previous_valid_until: Some(previous),
        valid_until: until,
        revived_as: revived,
        at: at(),
    }]
}

fn apply_renewal() -> RegistrationCommand {
    RegistrationCommand::ApplyChange {
        request_id: id(1),
        at: at(),
    }
}

fn remind(until: NaiveDate, days_before: u32, on: NaiveDate) -> RegistrationCommand {
    RegistrationCommand::RemindRenewal {
        valid_until: until,
        days_before,
        at: noon(on),
    }
}

fn reminded(until: NaiveDate, days_before: u32, on: NaiveDate) -> Events {
    vec![RegistrationEvent::RenewalReminded {
        valid_until: until,
        days_before,
        at: noon(on),
    }]
}

fn expire(until: NaiveDate) -> RegistrationCommand {
    RegistrationCommand::Expire {
        valid_until: until,
        at: noon(until.checked_add_days(Days::new(1)).unwrap()),
    }
}

fn expired(until: NaiveDate) -> Events {
    vec![RegistrationEvent::RegistrationExpired {
        valid_until: until,
        at: noon(until.checked_add_days(Days::new(1)).unwrap()),
    }]
}

/// Valid until a year from the fixtures' today (2026-04-01).
fn a_year_on() -> NaiveDate {
    date(2027, 3, 31)
}

fn then_events(mut events: Events, more: Events) -> Events {
    events.extend(more);
    events
}

#[test]
fn the_period_counts_the_first_day_and_ends_the_day_before_the_anniversary() {
    assert_eq!(valid_until(date(2026, 4, 1), 5), date(2031, 3, 31));
    // A year without 29 February ends the period on the month's last day.
    assert_eq!(valid_until(date(2028, 2, 29), 1), date(2029, 2, 28));
    assert_eq!(valid_until(date(2028, 2, 29), 4), date(2032, 2, 28));
    assert_eq!(REMINDER_DAYS, [180, 90, 30]);
}

#[test]
fn an_unknown_request_id_is_not_a_renewal() {
    // A request id of no open request is refused as before.
    given(manager_until(a_year_on()))
        .when(RegistrationCommand::ApplyChange {
            request_id: Uuid::nil(),
            at: at(),
        })
        .then_expect_error(crate::DomainError::NotFound);
}

rules! {
    a_renewal_before_the_date_extends_it_from_the_old_date:
        given with_renewal_filed(manager_until(a_year_on())), when apply_renewal()
        => records renewed(a_year_on(), date(2032, 3, 31), None);
    a_renewal_after_the_expiry_runs_from_the_approval_date_and_revives_it:
        given with_renewal_filed(then_events(manager_until(date(2026, 2, 28)), expired(date(2026, 2, 28)))),
        when apply_renewal()
        => records renewed(date(2026, 2, 28), date(2031, 3, 31), Some(CaseStatus::Registered));
    a_renewal_applied_twice_records_once:
        given then_events(
            with_renewal_filed(manager_until(a_year_on())),
            renewed(a_year_on(), date(2032, 3, 31), None),
        ),
        when apply_renewal() => records vec![];
    a_reminder_on_its_day_is_recorded:
        given manager_until(a_year_on()), when remind(a_year_on(), 90, date(2027, 1, 1))
        => records reminded(a_year_on(), 90, date(2027, 1, 1));
    a_reminder_is_recorded_once:
        given then_events(manager_until(a_year_on()), reminded(a_year_on(), 90, date(2027, 1, 1))),
        when remind(a_year_on(), 90, date(2027, 1, 2)) => records vec![];
    // A server down for months sends the latest reminder due, not all of them.
    a_reminder_a_later_one_supersedes_is_not_sent:
        given manager_until(a_year_on()), when remind(a_year_on(), 180, date(2027, 3, 10))
        => records vec![];
    a_reminder_of_a_date_since_renewed_is_not_sent:
        given manager_until(a_year_on()), when remind(date(2026, 12, 31), 30, date(2026, 12, 1))
        => records vec![];
    the_date_in_force_expires:
        given manager_until(a_year_on()), when expire(a_year_on())
        => records expired(a_year_on());
    an_expiry_is_recorded_once:
        given then_events(manager_until(a_year_on()), expired(a_year_on())),
        when expire(a_year_on()) => records vec![];
    a_date_since_renewed_does_not_expire:
        given manager_until(a_year_on()), when expire(date(2026, 12, 31)) => records vec![];
}
