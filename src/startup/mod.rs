//! Start-up: one `Application::build` used by `main`, the benchmark and the tests.

mod background;
mod core;
mod external;
mod metered;
mod metrics;
mod secrets;
mod server;
pub mod shutdown;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::web;
use adapters::registry::SimulatedRegistry;
use api::auth::TokenKeys;
use api::health::Readiness;
use eventstore::pressure::Pressure;
use eventstore::subscription::LagRecorder;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use workers::payment::sandbox::SandboxSigner;

use self::background::{clean_up_attachments, start_subscriptions, start_workers};
pub use self::background::{
    job_handlers, job_producers, projections, run_workers, view_projections, worker,
};
pub use self::core::Core;
pub use self::external::database;
pub use self::secrets::{ministry_client_secrets, token_keys, MIN_JWT_SECRET_BYTES};
use self::server::Shared;
use crate::config::Settings;
use crate::embedded_pg::EmbeddedPostgres;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("embedded Postgres: {0}")]
    Embedded(#[from] crate::embedded_pg::EmbeddedError),
    #[error("database: {0}")]
    Database(#[from] eventstore::ProjectionError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot listen on {address}: {source}; another process (a second `shikaku serve`?) holds it: choose another address with {setting}")]
    Bind {
        address: String,
        setting: &'static str,
        source: std::io::Error,
    },
    #[error("SHIKAKU_VAULT_KEY must be 64 hex digits")]
    VaultKey,
    #[error("certificate signing key: {0}")]
    CertificateKey(String),
    #[error("{0}")]
    Setting(String),
    #[error("mail templates: {0}")]
    Templates(#[from] workers::notification::TemplateError),
    #[error("mail: {0}")]
    Mail(#[from] workers::notification::MailError),
}

/// A built, listening application.
pub struct Application {
    address: std::net::SocketAddr,
    server: Server,
    pub pool: PgPool,
    pub tokens: TokenKeys,
    pub lag: Arc<LagRecorder>,
    pub public_url: String,
    /// The simulated registers (tests switch them off to exercise retries).
    pub registry: Arc<SimulatedRegistry>,
    /// Signs sandbox checkout links (the bench pays with it); `None` with Stripe.
    pub sandbox: Option<SandboxSigner>,
    /// The subscriptions this process runs, by checkpoint name.
    pub subscriptions: Vec<&'static str>,
    /// `http://ADDRESS/metrics` when SHIKAKU_METRICS_BIND is set.
    pub metrics_url: Option<String>,
    metrics: Option<ServerHandle>,
    /// Tells the workers to take no new job.
    stop_jobs: watch::Sender<bool>,
    /// Tells the subscriptions and the clean-up to stop after their batch.
    shutdown: watch::Sender<bool>,
    /// The subscriptions' tasks, awaited on the way out.
    background: Vec<JoinHandle<()>>,
    /// The workers' task, when this process runs them.
    jobs: Option<JoinHandle<()>>,
    readiness: web::Data<Readiness>,
    drain: Duration,
    _embedded: Option<EmbeddedPostgres>,
}

impl Application {
    /// Connects, migrates, starts subscriptions and binds the HTTP server.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        if let Some(problem) = settings.production_problems().into_iter().next() {
            return Err(StartupError::Setting(format!("production: {problem}")));
        }
        // The address first: a second `serve` must fail before it touches
        // the database (the first one's embedded cluster among others).
        let listener = bind(&settings.bind, "SHIKAKU_BIND (or --bind)")?;
        let metrics_listener = metrics_listener(&settings)?;
        let (pool, embedded) = database(&settings).await?;
        let address = listener.local_addr()?;
        let public_url = settings.public_url_for(address.port());
        let core = Core::new(&pool, &settings, &public_url).await?;
        crate::certificate_keys::publish(&pool, &core.certificate_key).await?;
        let tokens = token_keys(&settings)?;
        let auth = Arc::new(server::authenticator(&pool, &settings, &tokens, &public_url).await?);
        let lag = Arc::new(LagRecorder::default());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (stop_jobs, stop_jobs_rx) = watch::channel(false);
        let pressure = Pressure::new(settings.background_yield_at);
        let mut subscriptions = Vec::new();
        let mut background = Vec::new();
        if settings.run_subscriptions {
            (subscriptions, background) =
                start_subscriptions(&core, &lag, &pressure, &shutdown_rx).await?;
            tokio::spawn(background::report_stuck(pool.clone(), shutdown_rx.clone()));
        }
        let jobs = settings
            .run_workers
            .then(|| start_workers(&pool, &core, &settings, pressure.clone(), stop_jobs_rx));
        let attachments = external::attachments(&pool, &settings)?;
        tokio::spawn(clean_up_attachments(
            attachments.clone(),
            Duration::from_secs(settings.attachment_ttl_seconds),
            shutdown_rx.clone(),
        ));
        let shared = Shared {
            tokens: tokens.clone(),
            auth,
            lag: lag.clone(),
            pressure,
            attachments,
            public_url: public_url.clone(),
        };
        let readiness = web::Data::new(Readiness::default());
        let server = server::serve(listener, &core, &settings, shared, readiness.clone())?;
        let (metrics_url, metrics) = match metrics_listener {
            Some(listener) => {
                let url = format!("http://{}/metrics", listener.local_addr()?);
                let server = metrics::serve(listener, pool.clone(), core.metrics.clone())?;
                let handle = server.handle();
                tokio::spawn(server);
                (Some(url), Some(handle))
            }
            None => (None, None),
        };
        Ok(Self {
            address,
            server,
            pool,
            tokens,
            lag,
            public_url,
            registry: core.registry.clone(),
            subscriptions,
            sandbox: core.sandbox.clone(),
            metrics_url,
            metrics,
            stop_jobs,
            shutdown,
            background,
            jobs,
            readiness,
            drain: Duration::from_secs(settings.shutdown_drain_seconds),
            _embedded: embedded,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The address the server listens on.
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped through a handle, then stops the
    /// background work as [`Self::run`] does.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run(std::future::pending()).await
    }

    /// Serves until `stop` resolves (`shutdown::signal` in `serve`) or a
    /// handle stops the server. Then, in this order: `/readyz` answers 503
    /// and the workers take no new job; for the drain period, and until the
    /// running jobs finish or are given back, the listener stays open; each
    /// subscription finishes its batch; then the listener closes and the
    /// requests in flight finish (within the shutdown timeout).
    ///
    /// The jobs and subscriptions end before the server does because the
    /// server's threads each drive the sockets of the pool connections they
    /// opened: once those threads stop, such a connection is dead, and a job
    /// recording its outcome on it would leave the job held.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = self.server;
        let stopped = tokio::select! {
            result = &mut server => Some(result),
            () = stop => None,
        };
        self.readiness.drain();
        let _ = self.stop_jobs.send(true);
        let drain = match stopped {
            Some(_) => Duration::ZERO,
            None => {
                tracing::info!(drain = ?self.drain, "not ready; closing the listener after the drain period");
                self.drain
            }
        };
        let jobs = async {
            if let Some(jobs) = self.jobs {
                let _ = jobs.await;
            }
        };
        tokio::join!(tokio::time::sleep(drain), jobs);
        let _ = self.shutdown.send(true);
        for task in self.background {
            let _ = task.await;
        }
        let result = match stopped {
            Some(result) => result,
            // Graceful: no new connections; requests in flight finish within
            // the server's shutdown timeout. The server future must be polled
            // for the stop command to be carried out.
            None => tokio::join!(handle.stop(true), server).1,
        };
        if let Some(metrics) = self.metrics {
            metrics.stop(true).await;
        }
        tracing::info!("stopped");
        result
    }
}

/// Binds `address`; a failure names the address and the `setting` that chooses another.
fn bind(address: &str, setting: &'static str) -> Result<TcpListener, StartupError> {
    TcpListener::bind(address).map_err(|source| StartupError::Bind {
        address: address.to_owned(),
        setting,
        source,
    })
}

/// The metrics listener, when SHIKAKU_METRICS_BIND is set.
fn metrics_listener(settings: &Settings) -> Result<Option<TcpListener>, StartupError> {
    match settings.metrics_bind.as_str() {
        "" => Ok(None),
        address => bind(address, "SHIKAKU_METRICS_BIND").map(Some),
    }
}
