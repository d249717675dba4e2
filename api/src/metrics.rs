//! Prometheus metrics, served on a listener of their own
//! (SHIKAKU_METRICS_BIND), never on the public API. Per-process figures
//! (requests, the pool, job attempts, certificate verifications) come from
//! this process; the figures read from the database (subscription lag, the
//! job queue) are the same in every replica and carry `scope="database"`, so
//! that summing them over replicas is seen to be wrong. A scrape answers
//! while the database is down: `shikaku_database_up` says so.

use std::fmt::Write;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sqlx::PgPool;

pub use self::pool::AcquireProbe;
use self::pool::PoolGauges;

mod pool;

/// How long a scrape waits for the database before it reports it down.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    kind: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SubscriptionLabels {
    subscription: String,
    scope: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: &'static str,
    scope: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    kind: String,
    scope: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

type Seconds = Gauge<f64, AtomicU64>;
type Durations = Family<HttpLabels, Histogram, fn() -> Histogram>;

/// The scope of the figures read from the database.
const DATABASE: &str = "database";

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    http: Durations,
    job_attempts: Family<OutcomeLabels, Counter>,
    job_failures: Family<KindLabels, Counter>,
    verifications: Family<StatusLabels, Counter>,
    pool: PoolGauges,
    database_up: Gauge,
    lag_events: Family<SubscriptionLabels, Gauge>,
    lag_seconds: Family<SubscriptionLabels, Seconds>,
    failing: Family<SubscriptionLabels, Seconds>,
    jobs: Family<JobLabels, Gauge>,
    oldest: Family<QueueLabels, Seconds>,
}

fn request_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The metrics, registered and at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("shikaku");
        let http: Durations = Family::new_with_constructor(request_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and status (this process)",
            http.clone(),
        );
        let job_attempts = Family::default();
        registry.register(
            "job_attempts",
            "Job attempts this process ran, by kind and outcome (succeeded, retry, dead)",
            job_attempts.clone(),
        );
        let job_failures = Family::default();
        registry.register(
            "job_failures",
            "Failed job attempts in this process by kind: mail, payment, webhook, register inquiry, ...",
            job_failures.clone(),
        );
        let verifications = Family::default();
        registry.register(
            "certificate_verifications",
            "Certificate verifications answered by this process, by HTTP status",
            verifications.clone(),
        );
        let pool = PoolGauges::register(&mut registry);
        let database_up = Gauge::default();
        registry.register(
            "database_up",
            "1 when the database answered this scrape, else 0",
            database_up.clone(),
        );
        let lag_events = Family::default();
        registry.register(
            "subscription_lag_events",
            "Events committed that the subscription has not read yet",
            lag_events.clone(),
        );
        let lag_seconds = Family::default();
        registry.register(
            "subscription_lag_seconds",
            "Age of the oldest event the subscription has not read yet (0 when caught up)",
            lag_seconds.clone(),
        );
        let failing: Family<SubscriptionLabels, Seconds> = Family::default();
        registry.register(
            "subscription_failing_seconds",
            "How long the subscription's batches have been failing (0: not failing)",
            failing.clone(),
        );
        let jobs = Family::default();
        registry.register("jobs", "Jobs in the queue by kind and state", jobs.clone());
        let oldest = Family::default();
        registry.register(
            "jobs_oldest_queued_age_seconds",
            "Age of the oldest job that is due and not yet taken, by kind",
            oldest.clone(),
        );
        let build: Family<BuildLabels, Gauge> = Family::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("build_info", "The version of this process", build);
        Self {
            registry,
            http,
            job_attempts,
            job_failures,
            verifications,
            pool,
            database_up,
            lag_events,
            lag_seconds,
            failing,
            jobs,
            oldest,
        }
    }

    /// The pool's acquire probe, to run beside the pool this process scrapes.
    pub fn pool_probe(&self) -> std::sync::Arc<AcquireProbe> {
        self.pool.probe()
    }

    /// Records an answered request; `route` is its template (`/v1/registrations/{id}`).
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .observe(seconds);
        if matches!(route, "/v1/certificate-verifications" | "/verify") {
            self.verifications
                .get_or_create(&StatusLabels { status })
                .inc();
        }
    }

    /// Records a job attempt's outcome: `succeeded`, `retry` or `dead`.
    pub fn observe_job(&self, kind: &str, outcome: &'static str) {
        self.job_attempts
            .get_or_create(&OutcomeLabels {
                kind: kind.to_owned(),
                outcome,
            })
            .inc();
        if outcome != "succeeded" {
            self.job_failures
                .get_or_create(&KindLabels {
                    kind: kind.to_owned(),
                })
                .inc();
        }
    }

    /// Reads the pool and the database's figures, then the text exposition
    /// (Prometheus 0.0.4, or OpenMetrics when `openmetrics`).
    pub async fn scrape(&self, pool: &PgPool, openmetrics: bool) -> String {
        self.pool.read(pool);
        let up = tokio::time::timeout(DATABASE_TIMEOUT, self.read_database(pool)).await;
        self.database_up.set(i64::from(matches!(up, Ok(Ok(())))));
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        if openmetrics {
            out
        } else {
            classic(&out)
        }
    }

    async fn read_database(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        // Events after the checkpoint in commit order (counted up to a
        // million: beyond that the figure only needs to be large).
        let rows: Vec<(String, i64, f64, f64)> = sqlx::query_as(
            "SELECT c.name,
                    (SELECT count(*) FROM (SELECT 1 FROM events e
                      WHERE (e.transaction_id, e.global_position)
                          > (c.last_transaction_id, c.last_global_position)
                      LIMIT 1000000) behind),
                    coalesce(extract(epoch FROM now() - (SELECT min(e.recorded_at) FROM events e
                      WHERE (e.transaction_id, e.global_position)
                          > (c.last_transaction_id, c.last_global_position))), 0)::float8,
                    coalesce(extract(epoch FROM now() - c.failing_since), 0)::float8
             FROM subscription_checkpoints c ORDER BY c.name",
        )
        .fetch_all(pool)
        .await?;
        for (name, behind, seconds, failing) in rows {
            let labels = SubscriptionLabels {
                subscription: name,
                scope: DATABASE,
            };
            self.lag_events.get_or_create(&labels).set(behind);
            self.lag_seconds
                .get_or_create(&labels)
                .set(seconds.max(0.0));
            self.failing.get_or_create(&labels).set(failing.max(0.0));
        }
        for k in workers::jobs::stats(pool).await.map_err(job_db)? {
            for (state, n) in [
                ("queued", k.queued),
                ("running", k.running),
                ("dead", k.dead),
                ("succeeded", k.succeeded),
            ] {
                let labels = JobLabels {
                    kind: k.kind.clone(),
                    state,
                    scope: DATABASE,
                };
                self.jobs.get_or_create(&labels).set(n);
            }
            self.oldest
                .get_or_create(&QueueLabels {
                    kind: k.kind,
                    scope: DATABASE,
                })
                .set(k.oldest_queued_age_seconds);
        }
        Ok(())
    }
}

fn job_db(e: workers::WorkerError) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}

/// OpenMetrics text as the classic Prometheus text format (what `promtool
/// check metrics` and older scrapers read): a counter family is named with
/// its `_total` suffix, and the `# UNIT` and `# EOF` lines go.
fn classic(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(&name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        match renamed {
            Some(l) => {
                let _ = writeln!(out, "{l}");
            }
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::classic;

    #[test]
    fn counters_are_named_with_their_total_in_the_classic_format() {
        let open = "# HELP a_jobs Jobs.\n# TYPE a_jobs counter\na_jobs_total{kind=\"x\"} 1\n\
                    # HELP a_up Up.\n# TYPE a_up gauge\n# UNIT a_up seconds\na_up 1\n# EOF\n";
        assert_eq!(
            classic(open),
            "# HELP a_jobs_total Jobs.\n# TYPE a_jobs_total counter\na_jobs_total{kind=\"x\"} 1\n\
             # HELP a_up Up.\n# TYPE a_up gauge\na_up 1\n"
        );
    }
}
