//! The renewal schedule: a checkpointed subscription that, for each date a
//! registration is valid until (set when registered, moved by a renewal),
//! queues the reminders 180, 90 and 30 days before it and the expiry the
//! day after, as jobs due at 00:00 in Japan on their day:
//! - the jobs table holds them across restarts, and `claim_jobs` takes them
//!   when the application clock (the test clock included) reaches them;
//! - each job's key is the registration, the date and the reminder, so a
//!   replay queues nothing twice;
//! - each command names the date it was scheduled for: after a renewal the
//!   old date's jobs find another date and record nothing, and a reminder
//!   already recorded is not recorded again, so each is sent once.
//!
//! The reminders and the expiry are events of the registration; their
//! notices (mail and inbox) come from the notification subscription, the
//! status-list entries from [`crate::sanction::status`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::registration::validity::{expiry_instant, reminder_instant, REMINDER_DAYS};
use domain::registration::{QualificationRegistration, RegistrationCommand, RegistrationEvent};
use domain::Clock;
use eventstore::store::CommandBus;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue_all, Job};
use crate::worker::JobError;

/// Reminds the holder `days_before` the registration's `valid_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemindRenewal {
    pub registration_id: Uuid,
    pub valid_until: NaiveDate,
    pub days_before: u32,
}

impl JobArgs for RemindRenewal {
    const KIND: &'static str = "renewal.remind";
}

/// Expires the registration the day after `valid_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireRegistration {
    pub registration_id: Uuid,
    pub valid_until: NaiveDate,
}

impl JobArgs for ExpireRegistration {
    const KIND: &'static str = "renewal.expire";
}

/// Queues the reminders and the expiry of every `valid_until`.
pub struct RenewalSchedule;

#[async_trait]
impl Projection for RenewalSchedule {
    fn name(&self) -> &'static str {
        "renewal_schedule"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        // Only the events that set a date concern it: the others are not decoded.
        if !matches!(
            event.event_type.as_str(),
            "Registered" | "RegistrationRenewed"
        ) {
            return Ok(());
        }
        let Some((registration_id, e)) = event.registration_event()? else {
            return Ok(());
        };
        let valid_until = match e {
            RegistrationEvent::Registered {
                valid_until: Some(d),
                ..
            }
            | RegistrationEvent::RegistrationRenewed { valid_until: d, .. } => d,
            _ => return Ok(()),
        };
        let mut jobs = Vec::new();
        for days_before in REMINDER_DAYS {
            let args = RemindRenewal {
                registration_id,
                valid_until,
                days_before,
            };
            let mut job = args.job(format!("{registration_id}:{valid_until}:{days_before}"))?;
            job.run_at = Some(reminder_instant(valid_until, days_before));
            jobs.push(job);
        }
        let args = ExpireRegistration {
            registration_id,
            valid_until,
        };
        let mut job = args.job(format!("{registration_id}:{valid_until}"))?;
        job.run_at = Some(expiry_instant(valid_until));
        jobs.push(job);
        enqueue_all(conn, &jobs).await?;
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // No rows of its own: the jobs are keyed by registration and date.
        Ok(())
    }
}

/// Runs `renewal.remind` and `renewal.expire` jobs: one command each on the
/// registration, dated by the application clock.
pub struct RenewalHandler {
    registrations: Arc<CommandBus<QualificationRegistration>>,
    clock: Clock,
}

impl RenewalHandler {
    /// A handler sending its commands to `registrations`, dated by `clock`.
    pub fn new(registrations: Arc<CommandBus<QualificationRegistration>>, clock: Clock) -> Self {
        Self {
            registrations,
            clock,
        }
    }

    async fn send(&self, id: Uuid, command: RegistrationCommand) -> Result<(), JobError> {
        self.registrations
            .execute(&id.to_string(), command, None, Default::default())
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}

/// The reminder half of [`RenewalHandler`] (one job kind per handler).
pub struct ReminderHandler(pub Arc<RenewalHandler>);

/// The expiry half of [`RenewalHandler`].
pub struct ExpiryHandler(pub Arc<RenewalHandler>);

#[async_trait]
impl Work for ReminderHandler {
    type Args = RemindRenewal;

    async fn work(&self, args: RemindRenewal, _job: &Job) -> Result<(), JobError> {
        let command = RegistrationCommand::RemindRenewal {
            valid_until: args.valid_until,
            days_before: args.days_before,
            at: self.0.clock.now(),
        };
        self.0.send(args.registration_id, command).await
    }
}

#[async_trait]
impl Work for ExpiryHandler {
    type Args = ExpireRegistration;

    async fn work(&self, args: ExpireRegistration, _job: &Job) -> Result<(), JobError> {
        let command = RegistrationCommand::Expire {
            valid_until: args.valid_until,
            at: self.0.clock.now(),
        };
        self.0.send(args.registration_id, command).await
    }
}
