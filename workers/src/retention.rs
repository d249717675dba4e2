//! My Numbers that end. A subscription reads the events that end a case
//! (withdrawn, rejected, deleted on request or death) and queues one
//! `vault.shred` job per such event, keyed by it, due when that case's
//! retention is over. The job shreds the case's vault row (ciphertext and
//! lookup token) once no case that names the row in its events still holds
//! it: every such case has ended and its retention is over. Its check and
//! the shredding run under the row's lock, the lock a new application of the
//! same number takes, so a number stored again meanwhile is never shredded
//! under it; a shredded row never comes back (the number gets a new row).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Months, Utc};
use domain::registration::{Hold, QualificationRegistration, RegistrationEvent, Retention};
use eventstore::store::CommandBus;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue, Job, NewJob};
use crate::worker::JobError;

/// Shreds a registration's My Number once nothing holds it: `vault.shred`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShredMyNumber {
    pub registration_id: Uuid,
}

impl JobArgs for ShredMyNumber {
    const KIND: &'static str = "vault.shred";
}

/// When the case an event ends keeps its number until, if the event ends it.
fn retained_until(e: &RegistrationEvent, retention: &Retention) -> Option<DateTime<Utc>> {
    match e {
        RegistrationEvent::Examination(e) => e.ends_case().map(|at| at + retention.after_case_end),
        RegistrationEvent::RegistrationDeleted { at, .. } => Some(
            at.checked_add_months(Months::new(retention.after_deletion_years * 12))
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        ),
        _ => None,
    }
}

/// Queues a shredding for every event that ends a case.
pub struct RetentionJobs {
    retention: Retention,
}

impl RetentionJobs {
    /// Producer under `retention`.
    pub fn new(retention: Retention) -> Self {
        Self { retention }
    }
}

#[async_trait]
impl Projection for RetentionJobs {
    fn name(&self) -> &'static str {
        "my_number_retention"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((registration_id, e)) = event.registration_event()? else {
            return Ok(());
        };
        if let Some(until) = retained_until(&e, &self.retention) {
            let key = format!("{}:{}", event.aggregate_id, event.sequence);
            let mut job = ShredMyNumber { registration_id }.job(key)?;
            job.run_at = Some(until);
            enqueue(conn, job).await?;
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Jobs are keyed by event: a replay enqueues nothing twice.
        Ok(())
    }
}

/// Runs `vault.shred` jobs.
pub struct ShredHandler {
    pool: PgPool,
    registrations: Arc<CommandBus<QualificationRegistration>>,
    retention: Retention,
}

impl ShredHandler {
    /// A handler loading cases from `registrations`, under `retention`.
    pub fn new(
        pool: PgPool,
        registrations: Arc<CommandBus<QualificationRegistration>>,
        retention: Retention,
    ) -> Self {
        Self {
            pool,
            registrations,
            retention,
        }
    }

    async fn load(&self, id: Uuid) -> Result<QualificationRegistration, JobError> {
        let (reg, _) = self
            .registrations
            .load(&id.to_string())
            .await
            .map_err(JobError::retry)?;
        Ok(reg)
    }

    /// How long the cases naming `vault_id` hold it: None while one lives.
    async fn held_until(
        &self,
        conn: &mut PgConnection,
        vault_id: Uuid,
    ) -> Result<Option<DateTime<Utc>>, JobError> {
        let mut latest = DateTime::<Utc>::MIN_UTC;
        let referrers = adapters::vault::referrers(conn, vault_id)
            .await
            .map_err(JobError::retry)?;
        for case_id in referrers {
            let (reg, _) = self
                .registrations
                .load_in(conn, &case_id.to_string())
                .await
                .map_err(JobError::retry)?;
            if reg.my_number_ref != Some(vault_id) {
                continue;
            }
            match reg.my_number_hold(&self.retention) {
                Hold::Nothing => {}
                Hold::Live => return Ok(None),
                Hold::Until(t) => latest = latest.max(t),
            }
        }
        Ok(Some(latest))
    }
}

#[async_trait]
impl Work for ShredHandler {
    type Args = ShredMyNumber;

    async fn work(&self, args: ShredMyNumber, job: &Job) -> Result<(), JobError> {
        let Some(vault_id) = self.load(args.registration_id).await?.my_number_ref else {
            return Ok(());
        };
        let mut tx = self.pool.begin().await.map_err(JobError::retry)?;
        let live = adapters::vault::lock(&mut tx, vault_id)
            .await
            .map_err(JobError::retry)?;
        if live != Some(true) {
            return Ok(());
        }
        match self.held_until(&mut tx, vault_id).await? {
            // A live case's own end will queue its shredding.
            None => return Ok(()),
            // Retention was lengthened since this job was queued: come back then.
            Some(until) if until > Utc::now() => {
                let again = NewJob {
                    run_at: Some(until),
                    ..args
                        .job(format!("{}@{}", job.dedupe_key, until.timestamp()))
                        .map_err(|e| JobError::Permanent(e.to_string()))?
                };
                enqueue(&mut tx, again).await.map_err(JobError::retry)?;
            }
            Some(_) => {
                adapters::vault::shred_in(&mut tx, vault_id)
                    .await
                    .map_err(JobError::retry)?;
                tracing::info!(vault_id = %vault_id, "My Number shredded");
            }
        }
        tx.commit().await.map_err(JobError::retry)?;
        Ok(())
    }
}
