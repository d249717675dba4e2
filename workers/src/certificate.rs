//! Certificate issuance as a job kind: a subscription enqueues one
//! `certificate.issue` job per event that calls for a certificate
//! (registration, approved re-issue, applied change of name), keyed by the
//! event; the job signs the certificate and records it with
//! `IssueCertificate`. The certificate id derives from the dedupe key, so a
//! re-run job finds its certificate recorded and issues nothing twice.

use std::sync::Arc;

use adapters::certificate::{CertificateIssuer, IssueOutcome};
use async_trait::async_trait;
use domain::certificate::calls_for_certificate;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue, Job};
use crate::worker::JobError;

/// The job kind (the benchmark counts its jobs).
pub const KIND: &str = IssueCertificate::KIND;

/// Signs and records a registration's certificate: `certificate.issue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCertificate {
    pub registration_id: Uuid,
}

impl JobArgs for IssueCertificate {
    const KIND: &'static str = "certificate.issue";
}

/// Enqueues a certificate for every event that calls for one.
pub struct CertificateJobs;

#[async_trait]
impl Projection for CertificateJobs {
    fn name(&self) -> &'static str {
        "certificate_jobs"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((registration_id, e)) = event.registration_event()? else {
            return Ok(());
        };
        if calls_for_certificate(&e) {
            let key = format!("{}:{}", event.aggregate_id, event.sequence);
            enqueue(conn, IssueCertificate { registration_id }.job(key)?).await?;
        }
        Ok(())
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Jobs are keyed by event: a replay enqueues nothing twice.
        Ok(())
    }
}

/// Signs and records the certificate a job asks for.
pub struct CertificateHandler {
    issuer: Arc<CertificateIssuer>,
}

impl CertificateHandler {
    /// A handler issuing through `issuer`.
    pub fn new(issuer: Arc<CertificateIssuer>) -> Self {
        Self { issuer }
    }
}

#[async_trait]
impl Work for CertificateHandler {
    type Args = IssueCertificate;

    async fn work(&self, args: IssueCertificate, job: &Job) -> Result<(), JobError> {
        // The dedupe key is the certificate id's seed: a re-run finds it issued.
        match self
            .issuer
            .issue(args.registration_id, &job.dedupe_key)
            .await
        {
            Ok(IssueOutcome::Issued(id)) => {
                tracing::info!(certificate_id = %id, "certificate issued");
                Ok(())
            }
            Ok(IssueOutcome::AlreadyIssued(_)) => Ok(()),
            Ok(IssueOutcome::NotApplicable) => {
                // Deleted (or never registered) by the time the job ran:
                // nothing to certify, and nothing to retry.
                tracing::info!(registration_id = %args.registration_id, "no certificate: not on the register");
                Ok(())
            }
            // Database or conflicting writes: worth another attempt.
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}
