//! The core every process wires the same way: every case's command bus,
//! the vault, the registers, certificates, payments, notices and webhooks.

use std::sync::Arc;
use std::time::Duration;

use adapters::certificate::CertificateIssuer;
use adapters::numbers::PgRegistrationNumbers;
use adapters::registry::SimulatedRegistry;
use adapters::vault::Vault;
use certificate::SigningKey;
use domain::catalogue::InForce;
use domain::change_request::ChangeServices;
use domain::registration::{RegistrationServices, Retention};
use eventstore::cases::Cases;
use eventstore::store::CommandBus;
use sqlx::PgPool;
use workers::notification::{NotificationJob, NotificationProducer};
use workers::payment::sandbox::SandboxSigner;
use workers::payment::PaymentGateway;
use workers::webhook::{DeliveryHandler, TargetPolicy};

use super::external::{notifications, payment_gateway, registry};
use super::secrets::vault_key;
use super::StartupError;
use crate::config::{Environment, Settings};

/// What commands and subscriptions work with: every case's bus, the vault
/// and the registers.
pub struct Core {
    pub cases: Cases,
    pub vault: Vault,
    pub registry: Arc<SimulatedRegistry>,
    pub catalogue: InForce,
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
    /// How long ended cases keep their My Numbers.
    pub retention: Retention,
    /// This process's metrics (served on the metrics listener).
    pub metrics: Arc<api::metrics::Metrics>,
    /// The application's time, following the test clock's offset.
    pub clock: domain::Clock,
}

impl Core {
    /// Wires the core on `pool` from the catalogue and settings; links handed
    /// out point at `public_url`.
    pub async fn new(
        pool: &PgPool,
        settings: &Settings,
        public_url: &str,
    ) -> Result<Self, StartupError> {
        let catalogue = InForce::new(adapters::catalogue::load(pool).await?);
        adapters::catalogue::follow(pool, &catalogue)
            .await
            .map_err(eventstore::ProjectionError::from)?;
        let clock = domain::Clock::system();
        adapters::clock::follow(pool, &clock)
            .await
            .map_err(eventstore::ProjectionError::from)?;
        let services = RegistrationServices {
            catalogue: catalogue.clone(),
            numbers: Arc::new(PgRegistrationNumbers::new(pool.clone())),
        };
        let vault = Vault::new(pool.clone(), vault_key(settings)?);
        let bound = vault.bind_legacy_rows().await?;
        if bound > 0 {
            tracing::info!(rows = bound, "vault rows re-encrypted bound to their ids");
        }
        let registry = registry(settings, &vault)?;
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
            allow_internal: settings.env == Environment::Development,
            allow_hosts: settings.webhook_allow_hosts.clone(),
        };
        let webhooks = DeliveryHandler::new(
            pool.clone(),
            webhook_targets.clone(),
            Duration::from_secs(settings.webhook_disable_after_seconds),
        )
        .map_err(|e| StartupError::Setting(format!("webhook client: {e}")))?;
        Ok(Self {
            clock,
            metrics: Arc::new(api::metrics::Metrics::new()),
            retention: settings.my_number_retention(),
            notices,
            mail,
            webhook_targets,
            webhooks: Arc::new(webhooks),
            gateway,
            sandbox,
            reconcile_after,
            pool: pool.clone(),
            cases: Cases {
                registrations,
                change_requests: Arc::new(CommandBus::new(
                    pool.clone(),
                    ChangeServices {
                        catalogue: catalogue.clone(),
                    },
                )),
                sanctions: Arc::new(CommandBus::new(pool.clone(), ())),
            },
            certificates,
            certificate_key,
            catalogue,
            vault,
            registry: Arc::new(registry),
        })
    }
}
