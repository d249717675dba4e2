//! The checkout job: opens a checkout at the gateway for an unpaid fee and
//! records it on the case. The worker hands over the checkout jobs of a
//! claim together (issue 25): one read per kind of case finds them all, the
//! gateway is asked for those that still need a checkout a few at a time,
//! and one transaction records every checkout opened, so a burst of cases
//! costs a commit a batch instead of a commit a case. When that transaction
//! fails (another command on one of the cases at the same moment), each is
//! recorded on its own, as before, with the command bus's retries. The
//! gateway call is idempotent per case and fee, so a batch that runs again
//! opens nothing twice.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use domain::examination::{CaseStatus, Examination, ExaminationCommand};
use domain::payment::{Checkout, PaymentCommand};
use domain::CaseKind;
use futures_util::StreamExt;

use super::gateway::{CheckoutRequest, PaymentGateway};
use super::jobs::OpenCheckout;
use crate::cases::{CaseJobs, CaseRef, Cases};
use crate::job_kind::Work;
use crate::jobs::Job;
use crate::worker::JobError;

/// Gateway calls one batch has in flight at once.
const GATEWAY_CALLS: usize = 8;

/// The actor the recorded checkouts name.
const ACTOR: &str = "payment-worker";

/// Opens a checkout at the gateway and records it on the case.
pub struct CheckoutHandler {
    pub cases: Cases,
    pub gateway: Arc<dyn PaymentGateway>,
}

/// Whether a case still waits for a checkout to be opened.
fn needs_checkout(exam: &Examination) -> bool {
    !exam.paid
        && exam.payment.checkout.is_none()
        && !exam.fee.is_free()
        && exam.status == CaseStatus::AwaitingPayment
}

impl CheckoutHandler {
    /// Each case's examination, one read per kind; None for a case never filed.
    async fn examinations(&self, cases: &[CaseRef]) -> Result<Vec<Option<Examination>>, JobError> {
        let mut by_kind: HashMap<CaseKind, Vec<String>> = HashMap::new();
        for case in cases {
            by_kind
                .entry(case.case_type)
                .or_default()
                .push(case.case_id.clone());
        }
        let mut found = HashMap::new();
        for (kind, ids) in by_kind {
            for (id, summary) in self.cases.load_many(kind, &ids).await? {
                found.insert((kind, id), summary.examination);
            }
        }
        Ok(cases
            .iter()
            .map(|c| found.remove(&(c.case_type, c.case_id.clone())))
            .collect())
    }

    /// Opens the case's checkout at the gateway: the command that records it.
    async fn open(
        &self,
        case: &CaseRef,
        exam: &Examination,
    ) -> Result<ExaminationCommand, JobError> {
        let opened = self
            .gateway
            .open_checkout(&CheckoutRequest {
                case_id: case.case_id.clone(),
                case_type: case.case_type.key(),
                amount: exam.fee.total(),
                idempotency_key: exam.checkout_key(&case.case_id),
            })
            .await?;
        Ok(ExaminationCommand::Payment(PaymentCommand::OpenCheckout {
            checkout: Checkout {
                session_id: opened.session_id,
                url: opened.url,
                expires_at: opened.expires_at,
            },
            at: Utc::now(),
        }))
    }
}

#[async_trait]
impl Work for CheckoutHandler {
    type Args = OpenCheckout;

    /// One read, one commit a batch (see the module's doc).
    fn batch_size(&self) -> usize {
        crate::worker::BATCH
    }

    async fn work(&self, args: OpenCheckout, job: &Job) -> Result<(), JobError> {
        let outcomes = self.work_batch(vec![(args, job)]).await;
        outcomes.into_iter().next().unwrap_or(Ok(()))
    }

    async fn work_batch(&self, jobs: Vec<(OpenCheckout, &Job)>) -> Vec<Result<(), JobError>> {
        let cases = jobs.into_iter().map(|(args, _)| args.case).collect();
        self.open_all(cases).await
    }
}

impl CheckoutHandler {
    /// Opens and records the checkouts these cases still need; one outcome
    /// per case, in order.
    pub(super) async fn open_all(&self, cases: Vec<CaseRef>) -> Vec<Result<(), JobError>> {
        let exams = match self.examinations(&cases).await {
            Ok(exams) => exams,
            Err(e) => {
                let e = e.to_string();
                return cases
                    .iter()
                    .map(|_| Err(JobError::Retry(e.clone())))
                    .collect();
            }
        };
        let mut outcomes: Vec<Result<(), JobError>> = cases.iter().map(|_| Ok(())).collect();
        let mut wanted = Vec::new();
        for (i, exam) in exams.iter().enumerate() {
            match exam {
                None => outcomes[i] = Err(JobError::Permanent("no such case".into())),
                Some(exam) if needs_checkout(exam) => wanted.push((i, exam)),
                Some(_) => {}
            }
        }
        let calls: Vec<_> = wanted
            .into_iter()
            .map(|(i, exam)| {
                let case = &cases[i];
                async move { (i, self.open(case, exam).await) }
            })
            .collect();
        let opened: Vec<(usize, Result<ExaminationCommand, JobError>)> =
            futures_util::stream::iter(calls)
                .buffered(GATEWAY_CALLS)
                .collect()
                .await;
        let mut commands = Vec::new();
        for (i, command) in opened {
            match command {
                Ok(command) => commands.push((i, command)),
                Err(e) => outcomes[i] = Err(e),
            }
        }
        if commands.is_empty() {
            return outcomes;
        }
        let together = commands
            .iter()
            .map(|(i, command)| {
                (
                    cases[*i].case_type,
                    cases[*i].case_id.clone(),
                    command.clone(),
                )
            })
            .collect();
        let meta = HashMap::from([("actor".to_owned(), ACTOR.to_owned())]);
        if let Err(e) = self.cases.execute_all(together, meta).await {
            tracing::info!(error = %e, checkouts = commands.len(), "recording the batch's checkouts one by one");
            for (i, command) in commands {
                let case = &cases[i];
                outcomes[i] = self
                    .cases
                    .record(case.case_type, &case.case_id, command, ACTOR)
                    .await;
            }
        }
        outcomes
    }
}
