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
        self.count(&result);
        result
    }

    // The wrapper must not hide a kind's batches: without these two the
    // worker saw every kind as one job a task, and the mail jobs, which
    // share a query, a directory sync and an insert among up to 64, ran
    // one at a time in the application (issue 25).
    fn batch_size(&self) -> usize {
        self.inner.batch_size()
    }

    async fn run_batch(&self, jobs: &[Job]) -> Vec<Result<(), JobError>> {
        let results = self.inner.run_batch(jobs).await;
        for result in &results {
            self.count(result);
        }
        results
    }
}

impl Metered {
    fn count(&self, result: &Result<(), JobError>) {
        let outcome = match result {
            Ok(()) => "succeeded",
            Err(JobError::Retry(_)) => "failed",
            Err(JobError::Permanent(_)) => "failed_permanently",
        };
        self.metrics.observe_job(self.kind(), outcome);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Takes jobs in batches of up to eight and records each batch's size.
    #[derive(Default)]
    struct Batches(Mutex<Vec<usize>>);

    #[async_trait]
    impl JobHandler for Batches {
        fn kind(&self) -> &'static str {
            "test.batches"
        }

        async fn run(&self, job: &Job) -> Result<(), JobError> {
            self.run_batch(std::slice::from_ref(job)).await.remove(0)
        }

        fn batch_size(&self) -> usize {
            8
        }

        async fn run_batch(&self, jobs: &[Job]) -> Vec<Result<(), JobError>> {
            self.0.lock().unwrap().push(jobs.len());
            jobs.iter()
                .map(|j| match j.id % 2 {
                    0 => Ok(()),
                    _ => Err(JobError::Retry("odd".into())),
                })
                .collect()
        }
    }

    fn job(id: i64) -> Job {
        Job {
            id,
            kind: "test.batches".into(),
            dedupe_key: id.to_string(),
            payload: serde_json::Value::Null,
            attempts: 1,
            max_attempts: 3,
        }
    }

    #[tokio::test]
    async fn a_metered_handler_keeps_its_batches_and_each_outcome() {
        let inner = Arc::new(Batches::default());
        let metered = Metered::wrap(inner.clone(), Arc::new(Metrics::new()));
        assert_eq!(metered.batch_size(), 8);
        let jobs: Vec<Job> = (1..=5).map(job).collect();
        let outcomes = metered.run_batch(&jobs).await;
        assert_eq!(
            *inner.0.lock().unwrap(),
            vec![5],
            "one call for the whole batch"
        );
        let ok: Vec<bool> = outcomes.iter().map(Result::is_ok).collect();
        assert_eq!(ok, vec![false, true, false, true, false]);
    }
}
