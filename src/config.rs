//! Settings: defaults from `config/default.toml`, an optional file named by
//! `SHIKAKU_CONFIG`, then environment variables.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

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
    #[error("invalid value of {0}")]
    Env(&'static str),
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
    pub data_dir: PathBuf,
    pub public_url: String,
    pub database_url: String,
    pub db_max_connections: u32,
    pub run_subscriptions: bool,
    /// Run the job workers in this process.
    pub run_workers: bool,
    /// Jobs one process runs at once.
    pub worker_concurrency: usize,
    /// HTTP requests in flight from which subscriptions and workers yield
    /// (0: never); see `projections::pressure`.
    pub background_yield_at: usize,
    /// Seconds a worker holds a claimed job before another may take it over.
    pub job_lease_seconds: u64,
    /// Delay of a job's first retry in milliseconds; doubled for each further one.
    pub job_backoff_base_ms: u64,
    /// CSV fixtures of the simulated registers; empty: every inquiry is confirmed.
    pub registry_fixtures: String,
    /// Where attachments live: empty for `<data_dir>/attachments`, or
    /// `s3://BUCKET` for an S3-compatible store configured by AWS_* variables.
    pub attachment_store: String,
    /// Largest accepted upload in bytes.
    pub attachment_max_bytes: usize,
    /// Uploads no case references are deleted after this many seconds.
    pub attachment_ttl_seconds: u64,
    /// Stripe's API base (tests point it at a local server).
    pub stripe_api_base: String,
    /// Checkout sessions open longer than this are asked for at Stripe.
    pub stripe_reconcile_after_seconds: u64,
    /// Stripe's secret key; when set, Stripe is the gateway. From
    /// SHIKAKU_STRIPE_SECRET_KEY only.
    #[serde(skip)]
    pub stripe_secret_key: Option<SecretString>,
    /// The signing secret of the Stripe webhook endpoint; from
    /// SHIKAKU_STRIPE_WEBHOOK_SECRET only.
    #[serde(skip)]
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
    #[serde(skip)]
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
    #[serde(skip)]
    pub jwt_secret: Option<SecretString>,
    /// 64 hex digits; from SHIKAKU_VAULT_KEY only.
    #[serde(skip)]
    pub vault_key: Option<SecretString>,
}

impl Settings {
    /// Reads defaults, the optional file and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let mut table: toml::Table = toml::from_str(DEFAULTS)?;
        if let Ok(path) = std::env::var("SHIKAKU_CONFIG") {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let overrides: toml::Table = toml::from_str(&text)?;
            table.extend(overrides);
        }
        let mut settings: Settings = table.try_into()?;
        settings.apply_env(|k| std::env::var(k).ok())?;
        Ok(settings)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = var("SHIKAKU_DATABASE_URL").or_else(|| var("DATABASE_URL")) {
            self.database_url = v;
        }
        if let Some(v) = var("SHIKAKU_ENV") {
            self.env = match v.as_str() {
                "development" => Environment::Development,
                "production" => Environment::Production,
                _ => return Err(ConfigError::Env("SHIKAKU_ENV")),
            };
        }
        if let Some(v) = var("SHIKAKU_BIND") {
            self.bind = v;
        }
        if let Some(v) = var("SHIKAKU_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("SHIKAKU_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = var("SHIKAKU_REGISTRY_FIXTURES") {
            self.registry_fixtures = v;
        }
        if let Some(v) = var("SHIKAKU_ATTACHMENT_STORE") {
            self.attachment_store = v;
        }
        if let Some(v) = var("SHIKAKU_ATTACHMENT_MAX_BYTES") {
            self.attachment_max_bytes = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_ATTACHMENT_MAX_BYTES"))?;
        }
        if let Some(v) = var("SHIKAKU_ATTACHMENT_TTL_SECONDS") {
            self.attachment_ttl_seconds = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_ATTACHMENT_TTL_SECONDS"))?;
        }
        if let Some(v) = var("SHIKAKU_DB_MAX_CONNECTIONS") {
            self.db_max_connections = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_DB_MAX_CONNECTIONS"))?;
        }
        if let Some(v) = var("SHIKAKU_RUN_SUBSCRIPTIONS") {
            self.run_subscriptions = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_RUN_SUBSCRIPTIONS"))?;
        }
        if let Some(v) = var("SHIKAKU_RUN_WORKERS") {
            self.run_workers = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_RUN_WORKERS"))?;
        }
        if let Some(v) = var("SHIKAKU_WORKER_CONCURRENCY") {
            self.worker_concurrency = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_WORKER_CONCURRENCY"))?;
        }
        if let Some(v) = var("SHIKAKU_BACKGROUND_YIELD_AT") {
            self.background_yield_at = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_BACKGROUND_YIELD_AT"))?;
        }
        if let Some(v) = var("SHIKAKU_JOB_LEASE_SECONDS") {
            self.job_lease_seconds = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_JOB_LEASE_SECONDS"))?;
        }
        if let Some(v) = var("SHIKAKU_JOB_BACKOFF_BASE_MS") {
            self.job_backoff_base_ms = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_JOB_BACKOFF_BASE_MS"))?;
        }
        if let Some(v) = var("SHIKAKU_STRIPE_API_BASE") {
            self.stripe_api_base = v;
        }
        if let Some(v) = var("SHIKAKU_STRIPE_RECONCILE_AFTER_SECONDS") {
            self.stripe_reconcile_after_seconds = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_STRIPE_RECONCILE_AFTER_SECONDS"))?;
        }
        self.stripe_secret_key = var("SHIKAKU_STRIPE_SECRET_KEY")
            .filter(|s| !s.is_empty())
            .map(SecretString::from);
        self.stripe_webhook_secret = var("SHIKAKU_STRIPE_WEBHOOK_SECRET")
            .filter(|s| !s.is_empty())
            .map(SecretString::from);
        if let Some(v) = var("SHIKAKU_SMTP_URL") {
            self.smtp_url = v;
        }
        if let Some(v) = var("SHIKAKU_MAIL_FROM") {
            self.mail_from = v;
        }
        if let Some(v) = var("SHIKAKU_MAIL_TEMPLATES") {
            self.mail_templates = v.into();
        }
        if let Some(v) = var("SHIKAKU_CERTIFICATE_FONT") {
            self.certificate_font = v;
        }
        if let Some(v) = var("SHIKAKU_OIDC_ISSUER") {
            self.oidc_issuer = v;
        }
        if let Some(v) = var("SHIKAKU_OIDC_JWKS_URL") {
            self.oidc_jwks_url = v;
        }
        if let Some(v) = var("SHIKAKU_OIDC_AUDIENCE") {
            self.oidc_audience = v;
        }
        if let Some(v) = var("SHIKAKU_MINISTRY_RATE_PER_SECOND") {
            self.ministry_rate_per_second = v
                .parse()
                .ok()
                .filter(|r: &f64| *r > 0.0)
                .ok_or(ConfigError::Env("SHIKAKU_MINISTRY_RATE_PER_SECOND"))?;
        }
        if let Some(v) = var("SHIKAKU_MINISTRY_RATE_BURST") {
            self.ministry_rate_burst = v
                .parse()
                .ok()
                .filter(|r: &f64| *r >= 1.0)
                .ok_or(ConfigError::Env("SHIKAKU_MINISTRY_RATE_BURST"))?;
        }
        if let Some(v) = var("SHIKAKU_WEBHOOK_DISABLE_AFTER_SECONDS") {
            self.webhook_disable_after_seconds = v
                .parse()
                .map_err(|_| ConfigError::Env("SHIKAKU_WEBHOOK_DISABLE_AFTER_SECONDS"))?;
        }
        if let Some(v) = var("SHIKAKU_WEBHOOK_ALLOW_HOSTS") {
            self.webhook_allow_hosts = v
                .split(',')
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .collect();
        }
        self.cert_signing_key = var("SHIKAKU_CERT_SIGNING_KEY")
            .filter(|s| !s.is_empty())
            .map(SecretString::from);
        self.jwt_secret = var("SHIKAKU_JWT_SECRET")
            .filter(|s| !s.is_empty())
            .map(SecretString::from);
        self.vault_key = var("SHIKAKU_VAULT_KEY")
            .filter(|s| !s.is_empty())
            .map(SecretString::from);
        Ok(())
    }

    /// In production, what is missing, each naming its setting: a secret that
    /// would be generated, the payment sandbox, or the simulated registers.
    pub fn production_problems(&self) -> Vec<String> {
        if self.env != Environment::Production {
            return vec![];
        }
        let mut problems = Vec::new();
        // Development tokens are refused in production, so without an issuer
        // nobody could sign in. SHIKAKU_JWT_SECRET is optional there: it
        // keys console sessions when set, else a key derived from the vault key.
        if self.oidc_issuer.is_empty() {
            problems.push(
                "SHIKAKU_OIDC_ISSUER, SHIKAKU_OIDC_JWKS_URL and SHIKAKU_OIDC_AUDIENCE are not set: \
                 staff and applicants sign in through an OpenID Connect issuer in production \
                 (development tokens are for development only)"
                    .into(),
            );
        }
        if self.vault_key.is_none() {
            problems
                .push("SHIKAKU_VAULT_KEY is not set (production never generates secrets)".into());
        }
        if self.stripe_secret_key.is_none() {
            problems.push(
                "SHIKAKU_STRIPE_SECRET_KEY is not set: the payment sandbox is for development only"
                    .into(),
            );
        }
        if self.smtp_url.is_empty() {
            problems.push(
                "SHIKAKU_SMTP_URL is not set: writing mail to the .eml outbox is for development only"
                    .into(),
            );
        }
        // The registers are simulated until a real adapter exists.
        problems.push(
            "SHIKAKU_REGISTRY: the national registers are simulated (no real adapter is configured); \
             simulated registers are for development only"
                .into(),
        );
        if self.cert_signing_key.is_none() {
            problems.push(
                "SHIKAKU_CERT_SIGNING_KEY is not set (production never generates the certificate signing key)"
                    .into(),
            );
        }
        problems
    }

    /// The OpenID Connect settings: `None` when no issuer is set, an error
    /// naming what is missing when only some are.
    pub fn oidc(&self) -> Result<Option<(String, String, String)>, String> {
        let all = [
            ("SHIKAKU_OIDC_ISSUER", &self.oidc_issuer),
            ("SHIKAKU_OIDC_JWKS_URL", &self.oidc_jwks_url),
            ("SHIKAKU_OIDC_AUDIENCE", &self.oidc_audience),
        ];
        let missing: Vec<&str> = all
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, _)| *k)
            .collect();
        match missing.len() {
            3 => Ok(None),
            0 => Ok(Some((
                self.oidc_issuer.clone(),
                self.oidc_jwks_url.clone(),
                self.oidc_audience.clone(),
            ))),
            _ => Err(format!(
                "{} not set: an OpenID Connect issuer needs all three settings",
                missing.join(" and ")
            )),
        }
    }

    /// The base URL of links handed out, for the configured bind address.
    pub fn public_url(&self) -> String {
        let port = self
            .bind
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(8080);
        self.public_url_for(port)
    }

    /// The base URL of links handed out, without a trailing slash.
    pub fn public_url_for(&self, port: u16) -> String {
        if self.public_url.is_empty() {
            let host = self
                .bind
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or("127.0.0.1");
            format!("http://{host}:{port}")
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }
}

/// Reads a secret from the environment value, or from a file in the data
/// directory, generating it there (mode 0600) the first time.
pub fn dev_secret(
    configured: Option<&str>,
    data_dir: &std::path::Path,
    file: &str,
) -> std::io::Result<String> {
    if let Some(s) = configured {
        return Ok(s.to_owned());
    }
    let path = data_dir.join(file);
    if let Ok(s) = std::fs::read_to_string(&path) {
        return Ok(s.trim().to_owned());
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    let secret = hex::encode(bytes);
    std::fs::write(&path, &secret)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn debug_never_prints_a_secret() {
        let mut s: Settings = toml::from_str(DEFAULTS).unwrap();
        s.jwt_secret = Some("jwt-s3cret".into());
        s.vault_key = Some("ab".repeat(32).into());
        s.stripe_secret_key = Some("sk_live_s3cret".into());
        s.stripe_webhook_secret = Some("whsec_s3cret".into());
        s.cert_signing_key = Some("-----BEGIN PRIVATE KEY-----s3cret".into());
        let printed = format!("{s:?}");
        for secret in [
            "jwt-s3cret",
            &"ab".repeat(32),
            "sk_live",
            "whsec_",
            "PRIVATE KEY",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }

    #[test]
    fn production_names_every_missing_setting() {
        let mut s: Settings = toml::from_str(DEFAULTS).unwrap();
        assert!(
            s.production_problems().is_empty(),
            "development needs nothing"
        );
        s.apply_env(|k| (k == "SHIKAKU_ENV").then(|| "production".into()))
            .unwrap();
        let problems = s.production_problems().join("\n");
        for setting in [
            "SHIKAKU_OIDC_ISSUER",
            "SHIKAKU_VAULT_KEY",
            "SHIKAKU_STRIPE_SECRET_KEY",
            "SHIKAKU_SMTP_URL",
            "SHIKAKU_REGISTRY",
            "SHIKAKU_CERT_SIGNING_KEY",
        ] {
            assert!(problems.contains(setting), "{setting}: {problems}");
        }
        assert!(!problems.contains("SHIKAKU_JWT_SECRET"), "{problems}");
        assert!(s
            .apply_env(|k| (k == "SHIKAKU_ENV").then(|| "staging".into()))
            .is_err());
    }

    #[test]
    fn an_oidc_issuer_needs_all_three_settings() {
        let mut s: Settings = toml::from_str(DEFAULTS).unwrap();
        assert_eq!(s.oidc(), Ok(None));
        s.apply_env(|k| (k == "SHIKAKU_OIDC_ISSUER").then(|| "https://id.example".into()))
            .unwrap();
        let err = s.oidc().unwrap_err();
        assert!(err.contains("SHIKAKU_OIDC_JWKS_URL") && err.contains("SHIKAKU_OIDC_AUDIENCE"));
        s.apply_env(|k| match k {
            "SHIKAKU_OIDC_JWKS_URL" => Some("https://id.example/jwks".into()),
            "SHIKAKU_OIDC_AUDIENCE" => Some("shikaku".into()),
            "SHIKAKU_MINISTRY_RATE_PER_SECOND" => Some("0".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(s.oidc().unwrap().is_some());
    }

    #[test]
    fn environment_overrides_defaults() {
        let mut s: Settings = toml::from_str(DEFAULTS).unwrap();
        s.apply_env(|k| match k {
            "DATABASE_URL" => Some("postgres://x/y".into()),
            "SHIKAKU_PUBLIC_URL" => Some("https://example.test/".into()),
            "SHIKAKU_JWT_SECRET" => Some("s3cret".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.database_url, "postgres://x/y");
        assert_eq!(s.public_url_for(1), "https://example.test");
        assert_eq!(
            s.jwt_secret.as_ref().map(ExposeSecret::expose_secret),
            Some("s3cret")
        );
        assert_eq!(s.bind, "127.0.0.1:8080");
    }
}
