//! The adapters chosen by the settings: the real service when it is
//! configured, else the embedded one that lets the whole flow run on one
//! machine (a private Postgres, simulated registers, the payment sandbox,
//! `.eml` files, attachments on disk).

use std::sync::Arc;
use std::time::Duration;

use adapters::attachments::Attachments;
use adapters::registry::SimulatedRegistry;
use adapters::vault::Vault;
use domain::catalogue::InForce;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use workers::notification::{Mailer, NotificationJob, NotificationProducer, Templates};
use workers::payment::sandbox::{SandboxGateway, SandboxSigner};
use workers::payment::stripe::StripeGateway;
use workers::payment::PaymentGateway;

use super::secrets::jwt_secret;
use super::StartupError;
use crate::config::Settings;
use crate::embedded_pg::EmbeddedPostgres;

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
    let pool = eventstore::db::connect(&url, settings.db_max_connections).await?;
    if settings.migrate {
        eventstore::db::migrate(&pool).await?;
    } else {
        schema_is_current(&pool).await?;
    }
    Ok((pool, embedded))
}

/// With SHIKAKU_MIGRATE=false: refuses a schema older than this build's
/// migrations (`shikaku migrate` has not run yet for this release).
async fn schema_is_current(pool: &PgPool) -> Result<(), StartupError> {
    let latest = sqlx::migrate!("./migrations")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await
            .unwrap_or(None);
    if applied.unwrap_or(0) < latest {
        return Err(StartupError::Setting(format!(
            "the database schema is at migration {} and this version needs {latest}: \
             run `shikaku migrate` first (SHIKAKU_MIGRATE is false)",
            applied.unwrap_or(0)
        )));
    }
    Ok(())
}

/// The simulated registers, answering from the CSV fixtures when some are named.
pub(super) fn registry(
    settings: &Settings,
    vault: &Vault,
) -> Result<SimulatedRegistry, StartupError> {
    if settings.registry_fixtures.is_empty() {
        return Ok(SimulatedRegistry::default());
    }
    let text = std::fs::read_to_string(&settings.registry_fixtures)?;
    Ok(SimulatedRegistry::from_csv(&text, vault)?)
}

/// The gateway, the sandbox's link signer and the reconciliation delay
/// (the last two exist for only one of the gateways).
pub(super) type Gateway = (
    Arc<dyn PaymentGateway>,
    Option<SandboxSigner>,
    Option<Duration>,
);

/// Stripe when its secret key is set (then its webhook secret is required),
/// else the sandbox, whose links are signed with a key from the server secret.
pub(super) fn payment_gateway(
    settings: &Settings,
    public_url: &str,
) -> Result<Gateway, StartupError> {
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
            let signer = SandboxSigner::new(jwt_secret(settings)?.as_bytes());
            let sandbox = SandboxGateway::new(public_url, signer.clone());
            Ok((Arc::new(sandbox), Some(signer), None))
        }
    }
}

/// The notification subscription (notices into the inbox, mail jobs) and the
/// mail job's handler: SMTP when `smtp_url` is set, else `.eml` files in
/// `<data_dir>/outbox`. Links and Message-IDs use `public_url`.
pub(super) fn notifications(
    pool: &PgPool,
    settings: &Settings,
    catalogue: InForce,
    public_url: &str,
) -> Result<(Arc<NotificationProducer>, Arc<NotificationJob>), StartupError> {
    let templates = Arc::new(Templates::load(&settings.mail_templates)?);
    let producer = NotificationProducer::new(templates, catalogue, public_url)
        .with_portal_url(&settings.portal_url);
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

/// The attachment store: `s3://BUCKET` (configured by AWS_* variables), else
/// `<data_dir>/attachments`.
pub(super) fn attachments(pool: &PgPool, settings: &Settings) -> Result<Attachments, StartupError> {
    Ok(match settings.attachment_store.strip_prefix("s3://") {
        Some(bucket) => Attachments::s3(
            pool.clone(),
            object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket),
        )?,
        None => Attachments::local(pool.clone(), &settings.data_dir.join("attachments"))?,
    })
}
