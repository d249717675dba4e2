//! Start-up: one `Application::build` used by `main`, the benchmark and the tests.

mod background;
mod core;
mod external;
mod secrets;
mod server;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use adapters::registry::SimulatedRegistry;
use api::auth::TokenKeys;
use eventstore::pressure::Pressure;
use eventstore::subscription::LagRecorder;
use sqlx::PgPool;
use tokio::sync::watch;
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
    port: u16,
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
    shutdown: watch::Sender<bool>,
    _embedded: Option<EmbeddedPostgres>,
}

impl Application {
    /// Connects, migrates, starts subscriptions and binds the HTTP server.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        if let Some(problem) = settings.production_problems().into_iter().next() {
            return Err(StartupError::Setting(format!("production: {problem}")));
        }
        let (pool, embedded) = database(&settings).await?;
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let public_url = settings.public_url_for(port);
        let core = Core::new(&pool, &settings, &public_url).await?;
        crate::certificate_keys::publish(&pool, &core.certificate_key).await?;
        let tokens = token_keys(&settings)?;
        let auth = Arc::new(server::authenticator(&pool, &settings, &tokens, &public_url).await?);
        let lag = Arc::new(LagRecorder::default());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let pressure = Pressure::new(settings.background_yield_at);
        let mut subscriptions = Vec::new();
        if settings.run_subscriptions {
            subscriptions = start_subscriptions(&core, &lag, &pressure, &shutdown_rx).await?;
        }
        if settings.run_workers {
            start_workers(
                &pool,
                &core,
                &settings,
                pressure.clone(),
                shutdown_rx.clone(),
            );
        }
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
        let server = server::serve(listener, &core, &settings, shared)?;
        Ok(Self {
            port,
            server,
            pool,
            tokens,
            lag,
            public_url,
            registry: core.registry.clone(),
            subscriptions,
            sandbox: core.sandbox.clone(),
            shutdown,
            _embedded: embedded,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server stops (Ctrl-C or a handle), then stops the subscriptions.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.shutdown.send(true);
        result
    }
}
