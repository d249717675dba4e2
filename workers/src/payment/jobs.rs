//! Payment jobs: a subscription turns payment events into jobs (open a
//! checkout when a fee is assessed or a session expired, refund when a refund
//! is requested) and keeps the list of open sessions reconciliation reads;
//! the handlers call the gateway and record the result as a command.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use domain::examination::{ExaminationCommand, ExaminationEvent};
use domain::payment::{Checkout, PaymentCommand, PaymentEvent};
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use sqlx::PgConnection;

use super::gateway::{CheckoutRequest, GatewayError, PaymentGateway};
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

/// Keeps `open_checkouts` in step with one event and adds the jobs it calls
/// for to `jobs`.
async fn apply_one(
    conn: &mut PgConnection,
    event: &StoredEvent,
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
            jobs.push(OpenCheckout { case }.job(key)?);
        }
        ExaminationEvent::Payment(PaymentEvent::CheckoutExpired { .. }) => {
            forget_checkout(conn, &event.aggregate_id).await?;
            jobs.push(OpenCheckout { case }.job(key)?);
        }
        ExaminationEvent::Payment(PaymentEvent::CheckoutOpened { checkout, at }) => {
            sqlx::query(
                "INSERT INTO open_checkouts (case_id, case_type, session_id, opened_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (case_id) DO UPDATE
                     SET session_id = excluded.session_id, opened_at = excluded.opened_at",
            )
            .bind(&event.aggregate_id)
            .bind(case_type.key())
            .bind(&checkout.session_id)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        ExaminationEvent::Payment(PaymentEvent::RefundRequested { .. }) => {
            jobs.push(Refund { case }.job(key)?);
        }
        ExaminationEvent::PaymentSettled { .. }
        | ExaminationEvent::ApplicationWithdrawn { .. }
        | ExaminationEvent::ApplicationRejected { .. } => {
            forget_checkout(conn, &event.aggregate_id).await?;
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
        let mut jobs = Vec::new();
        for event in events {
            apply_one(conn, event, &mut jobs).await?;
        }
        enqueue_all(conn, &jobs).await?;
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Jobs are keyed by event, so a replay enqueues nothing twice.
        sqlx::query("TRUNCATE open_checkouts").execute(conn).await?;
        Ok(())
    }
}

async fn forget_checkout(conn: &mut PgConnection, case_id: &str) -> Result<(), ProjectionError> {
    sqlx::query("DELETE FROM open_checkouts WHERE case_id = $1")
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Opens a checkout at the gateway and records it on the case.
pub struct CheckoutHandler {
    pub cases: Cases,
    pub gateway: Arc<dyn PaymentGateway>,
}

#[async_trait]
impl Work for CheckoutHandler {
    type Args = OpenCheckout;

    async fn work(&self, OpenCheckout { case }: OpenCheckout, _job: &Job) -> Result<(), JobError> {
        let Some(exam) = self
            .cases
            .examination_of(case.case_type, &case.case_id)
            .await?
        else {
            return Err(JobError::Permanent("no such case".into()));
        };
        if exam.paid || exam.payment.checkout.is_some() || exam.fee.is_free() {
            return Ok(());
        }
        if exam.status != domain::examination::CaseStatus::AwaitingPayment {
            return Ok(());
        }
        let opened = self
            .gateway
            .open_checkout(&CheckoutRequest {
                case_id: case.case_id.clone(),
                case_type: case.case_type.key(),
                amount: exam.fee.total(),
                idempotency_key: exam.checkout_key(&case.case_id),
            })
            .await?;
        let command = ExaminationCommand::Payment(PaymentCommand::OpenCheckout {
            checkout: Checkout {
                session_id: opened.session_id,
                url: opened.url,
                expires_at: opened.expires_at,
            },
            at: Utc::now(),
        });
        self.cases
            .record(case.case_type, &case.case_id, command, "payment-worker")
            .await
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
