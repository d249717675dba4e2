//! Settings: one typed structure loaded by figment from the defaults in
//! `config/default.toml`, an optional file named by `SHIKAKU_CONFIG`, then
//! `SHIKAKU_*` variables (see `sources`).

mod oidc;
mod production;
mod public_url;
mod secret;
mod sources;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

pub use self::secret::dev_secret;
use self::sources::{TomlSource, Variables, SECRETS};

const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid settings: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("invalid settings: {0}")]
    Invalid(Box<figment::Error>),
    #[error("invalid value of {0}")]
    Env(String),
    #[error("{setting} is a secret: set it in {variable} or {variable}_FILE, not in {path}")]
    SecretInFile {
        setting: String,
        variable: &'static str,
        path: String,
    },
    #[error("cannot read {name}_FILE ({path}): {source}")]
    SecretFile {
        name: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("set {0} or {0}_FILE, not both")]
    Both(&'static str),
}

/// Which rules the process runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Generated secrets, the payment sandbox, simulated registers, dev tokens.
    Development,
    /// Real secrets and real adapters only; `serve` refuses to start without them.
    Production,
}

/// All settings of the application.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `development` (default) or `production` (SHIKAKU_ENV).
    pub env: Environment,
    pub bind: String,
    /// Address of the metrics listener (`GET /metrics`); empty: none.
    pub metrics_bind: String,
    pub data_dir: PathBuf,
    pub public_url: String,
    /// Where mails send applicants (SHIKAKU_PORTAL_URL), e.g. an office's own
    /// front end; empty: the built-in portal at `<public_url>/portal`.
    pub portal_url: String,
    pub database_url: String,
    pub db_max_connections: u32,
    pub run_subscriptions: bool,
    /// Run the job workers in this process.
    pub run_workers: bool,
    /// Apply pending migrations at start (SHIKAKU_MIGRATE); false leaves them
    /// to `shikaku migrate` and refuses to start on an older schema.
    pub migrate: bool,
    /// Jobs one process holds at once (half of them while requests wait).
    pub worker_concurrency: usize,
    /// Handler tasks one process runs at once (a batch of jobs is one task).
    pub worker_tasks: usize,
    /// HTTP requests in flight from which subscriptions and workers yield
    /// (0: never); see `eventstore::pressure`.
    pub background_yield_at: usize,
    /// Seconds a worker holds a claimed job before another may take it over.
    pub job_lease_seconds: u64,
    /// Seconds between a stop signal and closing the listener, while
    /// `/readyz` already answers 503 (so load balancers take the process out).
    pub shutdown_drain_seconds: u64,
    /// Seconds requests and jobs in flight get to finish after a stop signal;
    /// jobs still running then are given back to the queue.
    pub shutdown_timeout_seconds: u64,
    /// Delay of a job's first retry in milliseconds; doubled for each further one.
    pub job_backoff_base_ms: u64,
    /// CSV fixtures of the simulated registers; empty: every inquiry is
    /// confirmed (and no identity is).
    pub registry_fixtures: String,
    /// Refuse the initial setting without an identity the provider verified,
    /// as production always does (SHIKAKU_REQUIRE_VERIFIED_IDENTITY); off,
    /// development holds such a link for a code sent by post.
    pub require_verified_identity: bool,
    /// Serve the test clock (`POST /v1/admin/test-clock`) in development
    /// (SHIKAKU_TEST_CLOCK); production never serves it.
    pub test_clock: bool,
    /// Where attachments live: empty for `<data_dir>/attachments`, or
    /// `s3://BUCKET` for an S3-compatible store configured by AWS_* variables.
    pub attachment_store: String,
    /// Largest accepted upload in bytes.
    pub attachment_max_bytes: usize,
    /// Uploads no case references are deleted after this many seconds.
    pub attachment_ttl_seconds: u64,
    /// Days a My Number is kept after its case ended without a registration
    /// (withdrawn, rejected) before it is shredded.
    pub my_number_shred_after_days: u32,
    /// Years a My Number is kept after its registration was deleted (the
    /// holder's request or death): the statutory retention.
    pub my_number_retention_years: u32,
    /// Stripe's API base (tests point it at a local server).
    pub stripe_api_base: String,
    /// Checkout sessions open longer than this are asked for at Stripe.
    pub stripe_reconcile_after_seconds: u64,
    /// Stripe's secret key; when set, Stripe is the gateway. From
    /// SHIKAKU_STRIPE_SECRET_KEY only.
    #[serde(default, deserialize_with = "secret")]
    pub stripe_secret_key: Option<SecretString>,
    /// The signing secret of the Stripe webhook endpoint; from
    /// SHIKAKU_STRIPE_WEBHOOK_SECRET only.
    #[serde(default, deserialize_with = "secret")]
    pub stripe_webhook_secret: Option<SecretString>,
    /// `smtp://host:port` (STARTTLS when offered; `?tls=required` insists),
    /// `smtps://user:pass@host:465`; empty writes `.eml` files to `<data_dir>/outbox`.
    pub smtp_url: String,
    /// The From of notices, e.g. `Office <no-reply@example.jp>`.
    pub mail_from: String,
    /// The directory of the mail templates (`ja/`, `en/`).
    pub mail_templates: PathBuf,
    /// TrueType font with Japanese glyphs embedded in certificate PDFs.
    pub certificate_font: String,
    /// A webhook subscription whose deliveries fail for this long is disabled.
    pub webhook_disable_after_seconds: u64,
    /// Hosts webhooks may reach in production although they are private or
    /// loopback (SHIKAKU_WEBHOOK_ALLOW_HOSTS, comma-separated).
    pub webhook_allow_hosts: Vec<String>,
    /// PKCS#8 PEM of the certificate signing key; from SHIKAKU_CERT_SIGNING_KEY only.
    #[serde(default, deserialize_with = "secret")]
    pub cert_signing_key: Option<SecretString>,
    /// The OpenID Connect issuer (`iss`) staff and applicants sign in with;
    /// empty: none (development tokens only).
    pub oidc_issuer: String,
    /// The issuer's JWK Set URL.
    pub oidc_jwks_url: String,
    /// The `aud` its tokens must carry.
    pub oidc_audience: String,
    /// Requests per second each ministry client may make, sustained.
    pub ministry_rate_per_second: f64,
    /// Requests a ministry client may make at once after a quiet spell.
    pub ministry_rate_burst: f64,
    /// HS256 secret for development tokens (and the console's session tags);
    /// from SHIKAKU_JWT_SECRET only.
    #[serde(default, deserialize_with = "secret")]
    pub jwt_secret: Option<SecretString>,
    /// 64 hex digits; from SHIKAKU_VAULT_KEY only.
    #[serde(default, deserialize_with = "secret")]
    pub vault_key: Option<SecretString>,
}

impl Settings {
    /// How long ended cases keep their My Numbers.
    pub fn my_number_retention(&self) -> domain::registration::Retention {
        domain::registration::Retention {
            after_case_end: chrono::Duration::days(i64::from(self.my_number_shred_after_days)),
            after_deletion_years: self.my_number_retention_years,
        }
    }

    /// Whether the test clock is served: in development only, when not turned off.
    pub fn test_clock_enabled(&self) -> bool {
        self.env == Environment::Development && self.test_clock
    }

    /// Reads defaults, the optional file and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(|k| std::env::var(k).ok())
    }

    /// [`Self::load`] with the variables `var` finds (tests need not touch
    /// the process environment).
    pub fn load_from(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults: toml::Table = toml::from_str(DEFAULTS)?;
        let variables = Variables::read(&defaults, &var)?;
        let mut figment = Figment::from(TomlSource {
            name: "config/default.toml".into(),
            table: defaults,
        });
        if let Some(path) = var("SHIKAKU_CONFIG") {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let table: toml::Table = toml::from_str(&text)?;
            if let Some((setting, variable)) = SECRETS.iter().find(|(k, _)| table.contains_key(*k))
            {
                return Err(ConfigError::SecretInFile {
                    setting: (*setting).to_owned(),
                    variable,
                    path,
                });
            }
            figment = figment.merge(TomlSource { name: path, table });
        }
        let settings: Settings = figment
            .merge(variables)
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))?;
        settings.check()?;
        Ok(settings)
    }

    /// The rules a value's type does not carry.
    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |rule: &str| Err(ConfigError::Env(rule.to_owned()));
        if self.ministry_rate_per_second.is_nan() || self.ministry_rate_per_second <= 0.0 {
            return invalid(
                "SHIKAKU_MINISTRY_RATE_PER_SECOND (ministry_rate_per_second): it must be above 0",
            );
        }
        // A bucket smaller than one request would refuse every request.
        if self.ministry_rate_burst.is_nan() || self.ministry_rate_burst < 1.0 {
            return invalid(
                "SHIKAKU_MINISTRY_RATE_BURST (ministry_rate_burst): it must be 1 or more",
            );
        }
        Ok(())
    }
}

/// A secret setting; an empty one counts as unset.
fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .filter(|s| !s.is_empty())
        .map(SecretString::from))
}
