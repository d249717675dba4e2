//! Start-up: one `Application::build` used by `main`, the benchmark and the tests.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, HttpServer};
use api::auth::oidc::{OidcSettings, OidcVerifier};
use api::auth::{Authenticator, TokenKeys};
use api::certificate::CertificateService;
use api::oauth::issuer::ClientTokens;
use api::oauth::rate::RateLimit;
use api::AppState;
use certificate::SigningKey;
use domain::catalogue::Catalogue;
use domain::change_request::{ChangeRequest, ChangeServices};
use domain::registration::{QualificationRegistration, RegistrationServices};
use projections::attachments::Attachments;
use projections::certificate::{CertificateIssuer, CertificateStatusProjection};
use projections::change_status::ChangeStatusProjection;
use projections::numbers::PgRegistrationNumbers;
use projections::pressure::Pressure;
use projections::process::ChangeRequestProcess;
use projections::queue::QueueProjection;
use projections::register::RegisterProjection;
use projections::registry::SimulatedRegistry;
use projections::status::StatusProjection;
use projections::store::CommandBus;
use projections::subscription::{LagRecorder, Projection, Subscription};
use projections::vault::Vault;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio::sync::watch;
use workers::certificate::{CertificateHandler, CertificateJobs};
use workers::inquiry::{InquiryHandler, InquiryJobs};
use workers::notification::{Mailer, NotificationJob, NotificationProducer, Templates};
use workers::payment::cases::Cases;
use workers::payment::jobs::{CheckoutHandler, PaymentJobs, RefundHandler};
use workers::payment::reconcile::{self, ReconcileHandler};
use workers::payment::sandbox::{SandboxGateway, SandboxSigner};
use workers::payment::stripe::StripeGateway;
use workers::payment::webhook::StripeEventHandler;
use workers::payment::PaymentGateway;
use workers::webhook::{DeliveryHandler, PublicFeed, TargetPolicy};
use workers::{JobHandler, Worker, WorkerOptions};

use crate::config::{dev_secret, Environment, Settings};
use crate::embedded_pg::EmbeddedPostgres;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("embedded Postgres: {0}")]
    Embedded(#[from] crate::embedded_pg::EmbeddedError),
    #[error("database: {0}")]
    Database(#[from] projections::ProjectionError),
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

/// What commands and subscriptions work with: both aggregates' buses, the
/// vault and the registers.
pub struct Core {
    pub registrations: Arc<CommandBus<QualificationRegistration>>,
    pub change_requests: Arc<CommandBus<ChangeRequest>>,
    pub vault: Vault,
    pub registry: Arc<SimulatedRegistry>,
    pub catalogue: Arc<Catalogue>,
    /// Signs certificates and records them on registrations.
    pub certificates: Arc<CertificateIssuer>,
    pub certificate_key: Arc<SigningKey>,
    /// Takes fees: Stripe when configured, else the development sandbox.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Signs sandbox checkout links; `None` when Stripe is the gateway.
    pub sandbox: Option<SandboxSigner>,
    pub pool: PgPool,
    /// Checkout sessions open longer than this are reconciled (Stripe only).
    pub reconcile_after: Option<Duration>,
    /// Notices: the subscription that renders them and the mail job.
    pub notices: Arc<NotificationProducer>,
    pub mail: Arc<NotificationJob>,
    /// Where webhooks may be sent, and the job that sends them.
    pub webhook_targets: TargetPolicy,
    pub webhooks: Arc<DeliveryHandler>,
}

impl Core {
    /// Wires the core on `pool` from the catalogue and settings; links handed
    /// out point at `public_url`.
    pub async fn new(
        pool: &PgPool,
        settings: &Settings,
        public_url: &str,
    ) -> Result<Self, StartupError> {
        let catalogue: Arc<Catalogue> = Arc::new(projections::catalogue::load(pool).await?);
        let services = RegistrationServices {
            catalogue: catalogue.clone(),
            numbers: Arc::new(PgRegistrationNumbers::new(pool.clone())),
        };
        let vault = Vault::new(pool.clone(), vault_key(settings)?);
        let registry = if settings.registry_fixtures.is_empty() {
            SimulatedRegistry::default()
        } else {
            let text = std::fs::read_to_string(&settings.registry_fixtures)?;
            SimulatedRegistry::from_csv(&text, &vault)?
        };
        let (gateway, sandbox, reconcile_after) = payment_gateway(settings, public_url)?;
        let (notices, mail) = notifications(pool, settings, catalogue.clone(), public_url)?;
        let registrations = Arc::new(CommandBus::new(pool.clone(), services));
        let certificate_key = Arc::new(crate::certificate_keys::signing_key(settings)?);
        let certificates = Arc::new(CertificateIssuer::new(
            pool.clone(),
            registrations.clone(),
            catalogue.clone(),
            certificate_key.clone(),
            public_url,
        ));
        let webhook_targets = TargetPolicy {
            allow_internal: settings.env == crate::config::Environment::Development,
            allow_hosts: settings.webhook_allow_hosts.clone(),
        };
        let webhooks = DeliveryHandler::new(
            pool.clone(),
            webhook_targets.clone(),
            Duration::from_secs(settings.webhook_disable_after_seconds),
        )
        .map_err(|e| StartupError::Setting(format!("webhook client: {e}")))?;
        Ok(Self {
            notices,
            mail,
            webhook_targets,
            webhooks: Arc::new(webhooks),
            gateway,
            sandbox,
            reconcile_after,
            pool: pool.clone(),
            registrations,
            certificates,
            certificate_key,
            change_requests: Arc::new(CommandBus::new(
                pool.clone(),
                ChangeServices {
                    catalogue: catalogue.clone(),
                },
            )),
            catalogue,
            vault,
            registry: Arc::new(registry),
        })
    }
}

type Gateway = (
    Arc<dyn PaymentGateway>,
    Option<SandboxSigner>,
    Option<Duration>,
);

/// Stripe when its secret key is set (then its webhook secret is required),
/// else the sandbox, whose links are signed with a key from the server secret.
fn payment_gateway(settings: &Settings, public_url: &str) -> Result<Gateway, StartupError> {
    match settings
        .stripe_secret_key
        .as_ref()
        .map(ExposeSecret::expose_secret)
    {
        Some(key) => {
            if settings.stripe_webhook_secret.is_none() {
                return Err(StartupError::Setting(
                    "SHIKAKU_STRIPE_SECRET_KEY is set but SHIKAKU_STRIPE_WEBHOOK_SECRET is not: \
                     Stripe's webhooks could not be verified"
                        .into(),
                ));
            }
            let stripe = StripeGateway::new(key, &settings.stripe_api_base, public_url)
                .map_err(|e| StartupError::Setting(format!("SHIKAKU_STRIPE_API_BASE: {e}")))?;
            let after = Duration::from_secs(settings.stripe_reconcile_after_seconds);
            Ok((Arc::new(stripe), None, Some(after)))
        }
        None => {
            let secret = dev_secret(
                settings
                    .jwt_secret
                    .as_ref()
                    .map(ExposeSecret::expose_secret),
                &settings.data_dir,
                "jwt_secret",
            )?;
            let signer = SandboxSigner::new(secret.as_bytes());
            let sandbox = SandboxGateway::new(public_url, signer.clone());
            Ok((Arc::new(sandbox), Some(signer), None))
        }
    }
}

/// The subscriptions that build views.
pub fn views() -> Vec<Arc<dyn Projection>> {
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
    let mut all = views();
    all.extend(command_issuers(core));
    all.extend(job_producers(core));
    all
}

/// The subscriptions that turn events into commands.
fn command_issuers(core: &Core) -> Vec<Arc<dyn Projection>> {
    vec![Arc::new(ChangeRequestProcess::new(
        core.registrations.clone(),
        core.change_requests.clone(),
    ))]
}

/// The subscriptions that turn events into jobs.
pub fn job_producers(core: &Core) -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(InquiryJobs),
        Arc::new(PaymentJobs),
        core.notices.clone(),
        Arc::new(CertificateJobs),
        Arc::new(PublicFeed::new(core.catalogue.clone())),
    ]
}

/// The handlers of every job kind.
pub fn job_handlers(core: &Core) -> Vec<Arc<dyn JobHandler>> {
    let cases = Cases {
        registrations: core.registrations.clone(),
        change_requests: core.change_requests.clone(),
    };
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
        Arc::new(RefundHandler {
            cases: cases.clone(),
            gateway: core.gateway.clone(),
        }),
        Arc::new(StripeEventHandler {
            pool: core.pool.clone(),
            cases: cases.clone(),
        }),
        core.mail.clone(),
        core.webhooks.clone(),
    ];
    if let Some(after) = core.reconcile_after {
        handlers.push(Arc::new(ReconcileHandler {
            pool: core.pool.clone(),
            cases,
            gateway: core.gateway.clone(),
            after,
        }));
    }
    handlers
}

/// Starts the workers, and the reconciliation schedule when Stripe is the gateway.
fn start_workers(
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
}

/// Runs the subscriptions that feed jobs and the workers until Ctrl-C.
/// Views stay with `serve`; any number of these may run beside it.
pub async fn run_workers(
    pool: PgPool,
    core: Core,
    settings: &Settings,
) -> Result<(), StartupError> {
    let (shutdown, shutdown_rx) = watch::channel(false);
    let wake = projections::subscription::listen(&pool).await?;
    for projection in job_producers(&core) {
        let sub = Subscription::new(pool.clone(), projection);
        tokio::spawn(sub.run(wake.clone(), shutdown_rx.clone()));
    }
    // No HTTP server here: nothing to yield to.
    let worker = start_workers(&pool, &core, settings, Pressure::default(), shutdown_rx);
    tokio::signal::ctrl_c().await?;
    let _ = shutdown.send(true);
    let _ = worker.await;
    Ok(())
}

/// The notification subscription (notices into the inbox, mail jobs) and the
/// mail job's handler: SMTP when `smtp_url` is set, else `.eml` files in
/// `<data_dir>/outbox`. Links and Message-IDs use `public_url`.
fn notifications(
    pool: &PgPool,
    settings: &Settings,
    catalogue: Arc<Catalogue>,
    public_url: &str,
) -> Result<(Arc<NotificationProducer>, Arc<NotificationJob>), StartupError> {
    let templates = Arc::new(Templates::load(&settings.mail_templates)?);
    let producer = NotificationProducer::new(templates, catalogue, public_url);
    let mailer = Mailer::from_settings(
        &settings.smtp_url,
        &settings.mail_from,
        producer.host(),
        &settings.data_dir.join("outbox"),
    )?;
    Ok((
        Arc::new(producer),
        Arc::new(NotificationJob::new(pool.clone(), mailer)),
    ))
}

/// The database to use: the configured one, or a private cluster.
pub async fn database(
    settings: &Settings,
) -> Result<(PgPool, Option<EmbeddedPostgres>), StartupError> {
    let (url, embedded) = if settings.database_url.is_empty() {
        let pg = EmbeddedPostgres::start(&settings.data_dir)?;
        (pg.url.clone(), Some(pg))
    } else {
        (settings.database_url.clone(), None)
    };
    let pool = projections::db::connect(&url, settings.db_max_connections).await?;
    projections::db::migrate(&pool).await?;
    Ok((pool, embedded))
}

/// The token keys for these settings (shared by `serve` and `token`). In
/// production without SHIKAKU_JWT_SECRET they key only console sessions, with
/// a key derived from the vault key (production never generates secrets).
pub fn token_keys(settings: &Settings) -> Result<TokenKeys, StartupError> {
    if settings.env == Environment::Production && settings.jwt_secret.is_none() {
        let derived = format!("console-sessions:{}", hex::encode(vault_key(settings)?));
        return Ok(TokenKeys::new(derived.as_bytes()));
    }
    let secret = dev_secret(
        settings
            .jwt_secret
            .as_ref()
            .map(ExposeSecret::expose_secret),
        &settings.data_dir,
        "jwt_secret",
    )?;
    Ok(TokenKeys::new(secret.as_bytes()))
}

fn vault_key(settings: &Settings) -> Result<[u8; 32], StartupError> {
    let hex_key = dev_secret(
        settings.vault_key.as_ref().map(ExposeSecret::expose_secret),
        &settings.data_dir,
        "vault_key",
    )?;
    let bytes = hex::decode(hex_key.trim()).map_err(|_| StartupError::VaultKey)?;
    bytes.try_into().map_err(|_| StartupError::VaultKey)
}

/// Deletes uploads no case referenced in time, once a minute.
async fn clean_up_attachments(
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

/// Who may call: development tokens (development only), the OpenID Connect
/// issuer when configured, and ministry clients' access tokens.
async fn authenticator(
    pool: &PgPool,
    settings: &Settings,
    tokens: &TokenKeys,
    public_url: &str,
) -> Result<Authenticator, StartupError> {
    let oidc =
        settings
            .oidc()
            .map_err(StartupError::Setting)?
            .map(|(issuer, jwks_url, audience)| {
                OidcVerifier::new(OidcSettings {
                    issuer,
                    jwks_url,
                    audience,
                })
            });
    let limit = RateLimit {
        per_second: settings.ministry_rate_per_second,
        burst: settings.ministry_rate_burst,
    };
    let clients = ClientTokens::load(pool, public_url, limit)
        .await
        .map_err(|e| StartupError::Setting(format!("ministry client tokens: {e}")))?;
    Ok(Authenticator {
        dev: (settings.env == Environment::Development).then(|| tokens.clone()),
        oidc,
        clients: Arc::new(clients),
    })
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
        let catalogue = core.catalogue.clone();
        let tokens = token_keys(&settings)?;
        let auth = Arc::new(authenticator(&pool, &settings, &tokens, &public_url).await?);
        let lag = Arc::new(LagRecorder::default());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let pressure = Pressure::new(settings.background_yield_at);
        let mut subscriptions = Vec::new();
        if settings.run_subscriptions {
            subscriptions = projections(&core).iter().map(|p| p.name()).collect();
            let wake = projections::subscription::listen(&pool).await?;
            // Lag is measured for every subscription: a job producer that
            // falls behind delays the case as much as a stale view.
            for projection in projections(&core) {
                let sub = Subscription::new(pool.clone(), projection)
                    .with_lag(lag.clone())
                    .with_pressure(pressure.clone());
                tokio::spawn(sub.run(wake.clone(), shutdown_rx.clone()));
            }
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
        let attachments = match settings.attachment_store.strip_prefix("s3://") {
            Some(bucket) => Attachments::s3(
                pool.clone(),
                object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket),
            )?,
            None => Attachments::local(pool.clone(), &settings.data_dir.join("attachments"))?,
        };
        tokio::spawn(clean_up_attachments(
            attachments.clone(),
            Duration::from_secs(settings.attachment_ttl_seconds),
            shutdown_rx.clone(),
        ));
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            cases: Cases {
                registrations: core.registrations.clone(),
                change_requests: core.change_requests.clone(),
            },
            catalogue,
            vault: core.vault.clone(),
            attachments,
            attachment_limit: settings.attachment_max_bytes,
            tokens: tokens.clone(),
            auth,
            sandbox: core.sandbox.clone(),
            stripe_webhook_secret: settings
                .stripe_webhook_secret
                .as_ref()
                .map(|s| s.expose_secret().to_owned()),
            webhook_targets: core.webhook_targets.clone(),
            lag: lag.clone(),
            pressure,
            public_url: public_url.clone(),
            certificates: Arc::new(CertificateService {
                key: core.certificate_key.clone(),
                public_url: public_url.clone(),
                font: crate::certificate_keys::font(&settings),
            }),
        });
        let server = HttpServer::new(move || api::app(state.clone()))
            .listen(listener)?
            .run();
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
