//! Counts every job attempt by kind and outcome, around each handler, so the
//! failures of mail, payments, webhooks and register inquiries show in the
//! metrics without the handlers knowing about them.

use std::sync::Arc;

use api::metrics::Metrics;
use async_trait::async_trait;
use workers::{Job, JobError, JobHandler};

/// A handler whose attempts are counted.
pub(super) struct Metered {
    inner: Arc<dyn JobHandler>,
    metrics: Arc<Metrics>,
}

impl Metered {
    /// `inner`, counted in `metrics`.
    pub(super) fn wrap(inner: Arc<dyn JobHandler>, metrics: Arc<Metrics>) -> Arc<dyn JobHandler> {
        Arc::new(Self { inner, metrics })
    }
}

#[async_trait]
impl JobHandler for Metered {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let result = self.inner.run(job).await;
        let outcome = match &result {
            Ok(()) => "succeeded",
            Err(JobError::Retry(_)) => "failed",
            Err(JobError::Permanent(_)) => "failed_permanently",
        };
        self.metrics.observe_job(self.kind(), outcome);
        result
    }
}
