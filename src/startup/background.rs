//! The background work: subscriptions (views, the process manager, job
//! producers), the job workers and the attachment clean-up, in `serve`'s
//! process or in `shikaku worker`.

use std::sync::Arc;
use std::time::Duration;

use adapters::attachments::Attachments;
use eventstore::pressure::Pressure;
use eventstore::subscription::{FanOut, LagRecorder, Projection, Subscription};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use views::certificate_status::CertificateStatusProjection;
use views::change_status::ChangeStatusProjection;
use views::queue::QueueProjection;
use views::register::RegisterProjection;
use views::status::StatusProjection;
use workers::certificate::{CertificateHandler, CertificateJobs};
use workers::inquiry::{InquiryHandler, InquiryJobs};
use workers::notification::MailBatchJob;
use workers::payment::jobs::{PaymentJobs, RefundHandler};
use workers::payment::reconcile::{self, ReconcileHandler};
use workers::payment::stripe_events::StripeEventHandler;
use workers::payment::{CheckoutBatchHandler, CheckoutHandler};
use workers::process::ChangeRequestProcess;
use workers::renewal::{ExpiryHandler, ReminderHandler, RenewalHandler, RenewalSchedule};
use workers::retention::{RetentionJobs, ShredHandler};
use workers::sanction::status::SuspensionStatus;
use workers::sanction::{LiftHandler, PrerequisiteWatch, SanctionProcess};
use workers::webhook::PublicFeed;
use workers::{JobHandler, Worker, WorkerOptions};

use super::{Core, StartupError};
use crate::config::Settings;

/// The subscriptions that build views.
pub fn view_projections() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(StatusProjection),
        Arc::new(QueueProjection),
        Arc::new(RegisterProjection),
        Arc::new(ChangeStatusProjection),
        Arc::new(CertificateStatusProjection),
    ]
}

/// Every subscription (views, process manager, job producers), by checkpoint name.
pub fn projections(core: &Core) -> Vec<Arc<dyn Projection>> {
    let mut all = view_projections();
    // Not a view: it sets status-list entries, which a rebuild never clears.
    all.push(Arc::new(SuspensionStatus::new(
        core.cases.registrations.clone(),
    )));
    all.extend(command_issuers(core));
    all.extend(job_producers(core));
    all
}

/// The subscriptions that turn events into commands.
fn command_issuers(core: &Core) -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(
            ChangeRequestProcess::new(
                core.cases.registrations.clone(),
                core.cases.change_requests.clone(),
            )
            .with_clock(core.clock.clone()),
        ),
        Arc::new(SanctionProcess::new(
            core.cases.registrations.clone(),
            core.cases.sanctions.clone(),
            core.clock.clone(),
        )),
        Arc::new(PrerequisiteWatch::new(
            core.catalogue.clone(),
            core.cases.registrations.clone(),
            core.cases.sanctions.clone(),
            core.clock.clone(),
        )),
    ]
}

/// The subscriptions that turn events into jobs.
pub fn job_producers(core: &Core) -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(InquiryJobs),
        Arc::new(PaymentJobs),
        core.notices.clone(),
        Arc::new(CertificateJobs),
        Arc::new(PublicFeed::new(core.catalogue.clone())),
        Arc::new(RetentionJobs::new(core.retention)),
        Arc::new(RenewalSchedule),
    ]
}

/// Starts every subscription; returns their checkpoint names and tasks
/// (each ends after its batch once `shutdown` turns true).
pub(super) async fn start_subscriptions(
    core: &Core,
    lag: &Arc<LagRecorder>,
    pressure: &Pressure,
    shutdown: &watch::Receiver<bool>,
) -> Result<(Vec<&'static str>, Vec<JoinHandle<()>>), StartupError> {
    let names = projections(core).iter().map(|p| p.name()).collect();
    let mut tasks = Vec::new();
    let wake = eventstore::subscription::listen(&core.pool).await?;
    // One read of each new range of events for all of them.
    let fan_out = FanOut::start(core.pool.clone()).await?;
    tasks.push(tokio::spawn(fan_out.clone().run(wake, shutdown.clone())));
    // Lag is measured for every subscription: a job producer that
    // falls behind delays the case as much as a stale view.
    for projection in projections(core) {
        let sub = Subscription::new(core.pool.clone(), projection)
            .with_lag(lag.clone())
            .with_pressure(pressure.clone())
            .with_fan_out(fan_out.clone());
        tasks.push(tokio::spawn(sub.run(fan_out.subscribe(), shutdown.clone())));
    }
    Ok((names, tasks))
}

/// The handlers of every job kind.
pub fn job_handlers(core: &Core) -> Vec<Arc<dyn JobHandler>> {
    let cases = core.cases.clone();
    let mut handlers: Vec<Arc<dyn JobHandler>> = vec![
        Arc::new(InquiryHandler::new(
            cases.clone(),
            core.registry.clone(),
            core.vault.clone(),
        )),
        Arc::new(CertificateHandler::new(core.certificates.clone())),
        Arc::new(CheckoutHandler {
            cases: cases.clone(),
            gateway: core.gateway.clone(),
        }),
        Arc::new(CheckoutBatchHandler::new(
            CheckoutHandler {
                cases: cases.clone(),
                gateway: core.gateway.clone(),
            },
            core.pool.clone(),
        )),
        Arc::new(RefundHandler {
            cases: cases.clone(),
            gateway: core.gateway.clone(),
        }),
        Arc::new(StripeEventHandler {
            pool: core.pool.clone(),
            cases: cases.clone(),
        }),
        core.mail.clone(),
        Arc::new(MailBatchJob::new(core.mail.clone())),
        core.webhooks.clone(),
        Arc::new(ShredHandler::new(
            core.pool.clone(),
            core.cases.registrations.clone(),
            core.retention,
        )),
        Arc::new(LiftHandler::new(
            core.cases.registrations.clone(),
            core.clock.clone(),
        )),
    ];
    let renewal = Arc::new(RenewalHandler::new(
        core.cases.registrations.clone(),
        core.clock.clone(),
    ));
    handlers.push(Arc::new(ReminderHandler(renewal.clone())));
    handlers.push(Arc::new(ExpiryHandler(renewal)));
    if let Some(after) = core.reconcile_after {
        handlers.push(Arc::new(ReconcileHandler {
            pool: core.pool.clone(),
            cases,
            gateway: core.gateway.clone(),
            after,
        }));
    }
    handlers
        .into_iter()
        .map(|h| super::metered::Metered::wrap(h, core.metrics.clone()))
        .collect()
}

/// Starts the workers, and the reconciliation schedule when Stripe is the gateway.
pub(super) fn start_workers(
    pool: &PgPool,
    core: &Core,
    settings: &Settings,
    pressure: Pressure,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    if let Some(after) = core.reconcile_after {
        // Checked at least as often as sessions become due.
        let every = (after / 2).clamp(Duration::from_secs(1), Duration::from_secs(300));
        tokio::spawn(reconcile::schedule(pool.clone(), every, shutdown.clone()));
    }
    // Revocations and suspensions are told from the status changes the
    // subscriptions record (woken by their NOTIFY): beside the mail jobs they feed.
    tokio::spawn(core.notices.clone().tell_status_changes_until(
        pool.clone(),
        Duration::from_secs(5),
        shutdown.clone(),
    ));
    tokio::spawn(
        worker(pool, core, settings)
            .with_pressure(pressure)
            .run(shutdown),
    )
}

/// A worker for every job kind, paced by the settings.
pub fn worker(pool: &PgPool, core: &Core, settings: &Settings) -> Worker {
    let options = WorkerOptions {
        concurrency: settings.worker_concurrency,
        lease: Duration::from_secs(settings.job_lease_seconds),
        backoff_base: Duration::from_millis(settings.job_backoff_base_ms),
        ..WorkerOptions::default()
    };
    Worker::new(pool.clone(), job_handlers(core), options)
        .with_tasks(settings.worker_tasks)
        .with_shutdown_grace(Duration::from_secs(settings.shutdown_timeout_seconds))
}

/// Runs the subscriptions that feed jobs and the workers until SIGTERM or
/// SIGINT; then takes no new job, lets the running ones finish (or gives them
/// back after the shutdown timeout) and lets each subscription finish its
/// batch. Views stay with `serve`; any number of these may run beside it.
pub async fn run_workers(
    pool: PgPool,
    core: Core,
    settings: &Settings,
) -> Result<(), StartupError> {
    let (shutdown, shutdown_rx) = watch::channel(false);
    let wake = eventstore::subscription::listen(&pool).await?;
    let fan_out = FanOut::start(pool.clone()).await?;
    let mut tasks = vec![tokio::spawn(fan_out.clone().run(wake, shutdown_rx.clone()))];
    for projection in job_producers(&core) {
        let sub = Subscription::new(pool.clone(), projection).with_fan_out(fan_out.clone());
        tasks.push(tokio::spawn(
            sub.run(fan_out.subscribe(), shutdown_rx.clone()),
        ));
    }
    // No HTTP server here: nothing to yield to.
    tasks.push(start_workers(
        &pool,
        &core,
        settings,
        Pressure::default(),
        shutdown_rx,
    ));
    let metrics = match super::metrics_listener(settings)? {
        Some(listener) => {
            let server = super::metrics::serve(listener, pool.clone(), core.metrics.clone())?;
            let handle = server.handle();
            tokio::spawn(server);
            Some(handle)
        }
        None => None,
    };
    super::shutdown::signal().await;
    let _ = shutdown.send(true);
    for task in tasks {
        let _ = task.await;
    }
    if let Some(metrics) = metrics {
        metrics.stop(true).await;
    }
    tracing::info!("worker stopped");
    Ok(())
}

/// Deletes uploads no case referenced in time, once a minute.
pub(super) async fn clean_up_attachments(
    attachments: Attachments,
    ttl: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match attachments.clean_up(ttl).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "unreferenced attachments cleaned up"),
            Err(e) => tracing::warn!(error = %e, "attachment clean-up failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Logs, every half minute, the subscriptions failing for longer than that:
/// a stuck subscription is an alert (the metrics show it too), not a reason
/// to take every replica out of the load balancer.
pub(super) async fn report_stuck(pool: PgPool, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_secs(30);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        match eventstore::subscription::stuck(&pool, every).await {
            Ok(stuck) if stuck.is_empty() => {}
            Ok(stuck) => {
                tracing::error!(subscriptions = ?stuck, "subscriptions stuck: their batches keep failing")
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the subscriptions' state"),
        }
    }
}
