//! Payment jobs: a subscription turns payment events into jobs (open a
//! checkout when a fee is assessed or a session expired, refund when a refund
//! is requested) and keeps the list of open sessions reconciliation reads;
//! the handlers call the gateway and record the result as a command.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::examination::{ExaminationCommand, ExaminationEvent};
use domain::payment::{PaymentCommand, PaymentEvent};
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use sqlx::PgConnection;

use super::checkout_batch::{CheckoutBatch, QueuedCheckout};
use super::gateway::{GatewayError, PaymentGateway};
pub use crate::cases::CaseRef;
use crate::cases::{case_job, CaseJobs, Cases};
use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue_all, Job, NewJob};
use crate::worker::JobError;

case_job! {
    /// Opens a checkout for an unpaid fee.
    OpenCheckout = "payment.checkout", max_attempts 10
}

case_job! {
    /// Refunds a fee.
    Refund = "payment.refund", max_attempts 20
}

impl From<GatewayError> for JobError {
    fn from(e: GatewayError) -> Self {
        match e {
            GatewayError::Unavailable(e) => JobError::Retry(e),
            GatewayError::Refused(e) => JobError::Permanent(e),
        }
    }
}

/// Enqueues checkout and refund jobs; keeps `open_checkouts` for reconciliation.
pub struct PaymentJobs;

/// What a batch does to `open_checkouts`, by case: the session opened last,
/// or None when the case's checkout is over. Only the last change of a case
/// in the batch counts, so the batch writes the table with two statements
/// whatever its size (one per event before, issue 25).
#[derive(Default)]
struct CheckoutChanges(HashMap<String, Option<OpenedCheckout>>);

/// A checkout session waiting for its payment.
struct OpenedCheckout {
    case_type: &'static str,
    session_id: String,
    opened_at: DateTime<Utc>,
}

impl CheckoutChanges {
    fn opened(&mut self, case_id: &str, opened: OpenedCheckout) {
        self.0.insert(case_id.to_owned(), Some(opened));
    }

    fn forget(&mut self, case_id: &str) {
        self.0.insert(case_id.to_owned(), None);
    }

    /// Deletes the checkouts that are over and upserts the ones opened.
    async fn write(self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        let mut over = Vec::new();
        let (mut ids, mut types, mut sessions, mut opened) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (case_id, change) in self.0 {
            match change {
                None => over.push(case_id),
                Some(c) => {
                    ids.push(case_id);
                    types.push(c.case_type);
                    sessions.push(c.session_id);
                    opened.push(c.opened_at);
                }
            }
        }
        if !over.is_empty() {
            sqlx::query("DELETE FROM open_checkouts WHERE case_id = ANY($1)")
                .bind(&over)
                .execute(&mut *conn)
                .await?;
        }
        if !ids.is_empty() {
            sqlx::query(
                "INSERT INTO open_checkouts (case_id, case_type, session_id, opened_at)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
                 ON CONFLICT (case_id) DO UPDATE
                 SET session_id = excluded.session_id, opened_at = excluded.opened_at",
            )
            .bind(&ids)
            .bind(&types)
            .bind(&sessions)
            .bind(&opened)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

/// Notes what one event does to `open_checkouts` and adds the jobs it calls
/// for to `jobs`, the checkouts to open to `opens` (queued in batches).
fn apply_one(
    event: &StoredEvent,
    checkouts: &mut CheckoutChanges,
    opens: &mut Vec<QueuedCheckout>,
    jobs: &mut Vec<NewJob>,
) -> Result<(), ProjectionError> {
    let Some((_, decoded)) = event.case_event()? else {
        return Ok(());
    };
    let Some(e) = decoded.examination() else {
        return Ok(());
    };
    let case_type = decoded.kind();
    let case = CaseRef {
        case_type,
        case_id: event.aggregate_id.clone(),
    };
    let key = format!("{}:{}", event.aggregate_id, event.sequence);
    match e {
        ExaminationEvent::FeeAssessed { fee } if !fee.is_free() => {
            opens.push(QueuedCheckout { case, key });
        }
        ExaminationEvent::Payment(PaymentEvent::CheckoutExpired { .. }) => {
            checkouts.forget(&event.aggregate_id);
            opens.push(QueuedCheckout { case, key });
        }
        ExaminationEvent::Payment(PaymentEvent::CheckoutOpened { checkout, at }) => {
            checkouts.opened(
                &event.aggregate_id,
                OpenedCheckout {
                    case_type: case_type.key(),
                    session_id: checkout.session_id.clone(),
                    opened_at: *at,
                },
            );
        }
        ExaminationEvent::Payment(PaymentEvent::RefundRequested { .. }) => {
            jobs.push(Refund { case }.job(key)?);
        }
        ExaminationEvent::PaymentSettled { .. }
        | ExaminationEvent::ApplicationWithdrawn { .. }
        | ExaminationEvent::ApplicationRejected { .. } => {
            checkouts.forget(&event.aggregate_id);
        }
        _ => {}
    }
    Ok(())
}

#[async_trait]
impl Projection for PaymentJobs {
    fn name(&self) -> &'static str {
        "payment_jobs"
    }

    /// The jobs of the whole batch go in with one statement at its end:
    /// nothing in the batch reads them.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let (mut checkouts, mut opens, mut jobs) =
            (CheckoutChanges::default(), Vec::new(), Vec::new());
        for event in events {
            apply_one(event, &mut checkouts, &mut opens, &mut jobs)?;
        }
        for batch in CheckoutBatch::of(opens) {
            let key = batch.key();
            jobs.push(batch.job(key)?);
        }
        checkouts.write(conn).await?;
        enqueue_all(conn, &jobs).await?;
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Jobs are keyed by event (a batch by its first event and count), so
        // a replay enqueues nothing twice; a batch it cuts otherwise finds
        // its checkouts open and opens nothing.
        sqlx::query("TRUNCATE open_checkouts").execute(conn).await?;
        Ok(())
    }
}

/// Refunds the fee at the gateway and records the refund on the case.
pub struct RefundHandler {
    pub cases: Cases,
    pub gateway: Arc<dyn PaymentGateway>,
}

#[async_trait]
impl Work for RefundHandler {
    type Args = Refund;

    async fn work(&self, Refund { case }: Refund, _job: &Job) -> Result<(), JobError> {
        let Some(exam) = self
            .cases
            .examination_of(case.case_type, &case.case_id)
            .await?
        else {
            return Err(JobError::Permanent("no such case".into()));
        };
        let Some(refund) = exam.payment.refund.filter(|r| r.refund_id.is_none()) else {
            return Ok(());
        };
        let refund_id = self
            .gateway
            .refund(
                &refund.payment_reference,
                refund.amount,
                &format!("refund-{}", case.case_id),
            )
            .await?;
        let command = ExaminationCommand::Payment(PaymentCommand::RecordRefund {
            refund_id,
            at: Utc::now(),
        });
        self.cases
            .record(case.case_type, &case.case_id, command, "payment-worker")
            .await
    }
}
