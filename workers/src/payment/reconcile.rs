//! Reconciliation: sessions open longer than the configured time are asked
//! for at Stripe, and paid or expired ones are settled or replaced exactly as
//! their webhook would have done, so a lost webhook never leaves a paid
//! applicant waiting.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::sync::watch;

use super::cases::Cases;
use super::gateway::PaymentGateway;
use super::stripe_events::{expire, settle};
use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue, Job};
use crate::worker::JobError;

/// The periodic reconciliation job, `stripe.reconcile`, one per time slot.
/// A struct with braces, not a unit struct, so the payload stays `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconcile {}

impl JobArgs for Reconcile {
    const KIND: &'static str = "stripe.reconcile";
    const MAX_ATTEMPTS: i32 = 3;
}

/// Asks Stripe about sessions open longer than `after`.
pub struct ReconcileHandler {
    pub pool: PgPool,
    pub cases: Cases,
    pub gateway: Arc<dyn PaymentGateway>,
    pub after: Duration,
}

#[async_trait]
impl Work for ReconcileHandler {
    type Args = Reconcile;

    async fn work(&self, _args: Reconcile, _job: &Job) -> Result<(), JobError> {
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT session_id FROM open_checkouts
             WHERE opened_at < now() - make_interval(secs => $1) ORDER BY opened_at LIMIT 500",
        )
        .bind(self.after.as_secs_f64())
        .fetch_all(&self.pool)
        .await
        .map_err(JobError::retry)?;
        let mut failures = Vec::new();
        for session_id in stale {
            let outcome = match self.gateway.session(&session_id).await {
                Ok(s) if s.payment_status == "paid" => settle(&self.cases, &s).await,
                Ok(s) if s.status == "expired" => expire(&self.cases, &s).await,
                Ok(_) => Ok(()),
                Err(e) => Err(e.into()),
            };
            if let Err(e) = outcome {
                tracing::warn!(session = %session_id, error = %e, "reconciliation of a session failed");
                failures.push(format!("{session_id}: {e}"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(JobError::Retry(failures.join("; ")))
        }
    }
}

/// Enqueues a reconciliation job every `every` until shutdown; one per time
/// slot however many processes run this.
pub async fn schedule(pool: PgPool, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let every = every.max(Duration::from_secs(1));
    loop {
        let slot = Utc::now().timestamp() / every.as_secs() as i64;
        let result = async {
            let mut conn = pool.acquire().await?;
            enqueue(&mut conn, Reconcile {}.job(slot.to_string())?).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot schedule reconciliation");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
