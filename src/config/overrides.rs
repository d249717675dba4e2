//! The environment's overrides: SHIKAKU_* variables (and DATABASE_URL) win
//! over the files; secrets come from the environment only, each either in its
//! variable or in a file named by its `_FILE` variable (mounted secrets).

use std::str::FromStr;

use secrecy::SecretString;

use super::{ConfigError, Environment, Settings};

/// The variables, read through a function so tests need not touch the
/// process environment.
struct Variables<F>(F);

impl<F: Fn(&str) -> Option<String>> Variables<F> {
    /// Replaces `field` with the variable's text when it is set.
    fn text<T: From<String>>(&self, name: &str, field: &mut T) {
        if let Some(v) = (self.0)(name) {
            *field = v.into();
        }
    }

    /// Replaces `field` with the variable's value when it is set; a value
    /// that does not parse is an error naming the variable.
    fn value<T: FromStr>(&self, name: &'static str, field: &mut T) -> Result<(), ConfigError> {
        self.checked(name, field, |_| true)
    }

    /// [`Self::value`] for values that `valid` must also accept.
    fn checked<T: FromStr>(
        &self,
        name: &'static str,
        field: &mut T,
        valid: impl Fn(&T) -> bool,
    ) -> Result<(), ConfigError> {
        if let Some(v) = (self.0)(name) {
            *field = v
                .parse()
                .ok()
                .filter(|v| valid(v))
                .ok_or(ConfigError::Env(name))?;
        }
        Ok(())
    }

    /// The variable `name`, or the contents of the file `name`_FILE names
    /// (a mounted secret; one trailing newline is not part of it).
    fn file_or_var(&self, name: &'static str) -> Result<Option<String>, ConfigError> {
        let direct = (self.0)(name);
        let Some(path) = (self.0)(&format!("{name}_FILE")).filter(|p| !p.is_empty()) else {
            return Ok(direct);
        };
        if direct.is_some_and(|d| !d.is_empty()) {
            return Err(ConfigError::Both(name));
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::SecretFile {
            name,
            path: path.clone(),
            source,
        })?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        Ok(Some(text.strip_suffix('\r').unwrap_or(text).to_owned()))
    }

    /// A secret, from the variable or its `_FILE`; an empty one counts as unset.
    fn secret(&self, name: &'static str) -> Result<Option<SecretString>, ConfigError> {
        Ok(self
            .file_or_var(name)?
            .filter(|s| !s.is_empty())
            .map(SecretString::from))
    }
}

impl Settings {
    /// Applies the variables `var` finds over the settings read from files.
    pub(super) fn apply_env(
        &mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let vars = Variables(var);
        // The URL may carry the database password: a secret like the others.
        if let Some(v) = vars
            .file_or_var("SHIKAKU_DATABASE_URL")?
            .or(vars.file_or_var("DATABASE_URL")?)
        {
            self.database_url = v;
        }
        if let Some(v) = (vars.0)("SHIKAKU_ENV") {
            self.env = match v.as_str() {
                "development" => Environment::Development,
                "production" => Environment::Production,
                _ => return Err(ConfigError::Env("SHIKAKU_ENV")),
            };
        }
        vars.text("SHIKAKU_BIND", &mut self.bind);
        vars.text("SHIKAKU_METRICS_BIND", &mut self.metrics_bind);
        vars.text("SHIKAKU_DATA_DIR", &mut self.data_dir);
        vars.text("SHIKAKU_PUBLIC_URL", &mut self.public_url);
        vars.text("SHIKAKU_PORTAL_URL", &mut self.portal_url);
        vars.text("SHIKAKU_REGISTRY_FIXTURES", &mut self.registry_fixtures);
        vars.text("SHIKAKU_ATTACHMENT_STORE", &mut self.attachment_store);
        vars.value(
            "SHIKAKU_ATTACHMENT_MAX_BYTES",
            &mut self.attachment_max_bytes,
        )?;
        vars.value(
            "SHIKAKU_ATTACHMENT_TTL_SECONDS",
            &mut self.attachment_ttl_seconds,
        )?;
        vars.value(
            "SHIKAKU_MY_NUMBER_SHRED_AFTER_DAYS",
            &mut self.my_number_shred_after_days,
        )?;
        vars.value(
            "SHIKAKU_MY_NUMBER_RETENTION_YEARS",
            &mut self.my_number_retention_years,
        )?;
        vars.value("SHIKAKU_DB_MAX_CONNECTIONS", &mut self.db_max_connections)?;
        vars.value("SHIKAKU_RUN_SUBSCRIPTIONS", &mut self.run_subscriptions)?;
        vars.value("SHIKAKU_RUN_WORKERS", &mut self.run_workers)?;
        vars.value("SHIKAKU_MIGRATE", &mut self.migrate)?;
        vars.value(
            "SHIKAKU_REQUIRE_VERIFIED_IDENTITY",
            &mut self.require_verified_identity,
        )?;
        vars.value("SHIKAKU_TEST_CLOCK", &mut self.test_clock)?;
        vars.value("SHIKAKU_WORKER_CONCURRENCY", &mut self.worker_concurrency)?;
        vars.value("SHIKAKU_BACKGROUND_YIELD_AT", &mut self.background_yield_at)?;
        vars.value("SHIKAKU_JOB_LEASE_SECONDS", &mut self.job_lease_seconds)?;
        vars.value(
            "SHIKAKU_SHUTDOWN_DRAIN_SECONDS",
            &mut self.shutdown_drain_seconds,
        )?;
        vars.value(
            "SHIKAKU_SHUTDOWN_TIMEOUT_SECONDS",
            &mut self.shutdown_timeout_seconds,
        )?;
        vars.value("SHIKAKU_JOB_BACKOFF_BASE_MS", &mut self.job_backoff_base_ms)?;
        vars.text("SHIKAKU_STRIPE_API_BASE", &mut self.stripe_api_base);
        vars.value(
            "SHIKAKU_STRIPE_RECONCILE_AFTER_SECONDS",
            &mut self.stripe_reconcile_after_seconds,
        )?;
        self.stripe_secret_key = vars.secret("SHIKAKU_STRIPE_SECRET_KEY")?;
        self.stripe_webhook_secret = vars.secret("SHIKAKU_STRIPE_WEBHOOK_SECRET")?;
        // May carry the mail server's password.
        if let Some(v) = vars.file_or_var("SHIKAKU_SMTP_URL")? {
            self.smtp_url = v;
        }
        vars.text("SHIKAKU_MAIL_FROM", &mut self.mail_from);
        vars.text("SHIKAKU_MAIL_TEMPLATES", &mut self.mail_templates);
        vars.text("SHIKAKU_CERTIFICATE_FONT", &mut self.certificate_font);
        vars.text("SHIKAKU_OIDC_ISSUER", &mut self.oidc_issuer);
        vars.text("SHIKAKU_OIDC_JWKS_URL", &mut self.oidc_jwks_url);
        vars.text("SHIKAKU_OIDC_AUDIENCE", &mut self.oidc_audience);
        vars.checked(
            "SHIKAKU_MINISTRY_RATE_PER_SECOND",
            &mut self.ministry_rate_per_second,
            |r| *r > 0.0,
        )?;
        // A bucket smaller than one request would refuse every request.
        vars.checked(
            "SHIKAKU_MINISTRY_RATE_BURST",
            &mut self.ministry_rate_burst,
            |r| *r >= 1.0,
        )?;
        vars.value(
            "SHIKAKU_WEBHOOK_DISABLE_AFTER_SECONDS",
            &mut self.webhook_disable_after_seconds,
        )?;
        if let Some(v) = (vars.0)("SHIKAKU_WEBHOOK_ALLOW_HOSTS") {
            self.webhook_allow_hosts = v
                .split(',')
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .collect();
        }
        self.cert_signing_key = vars.secret("SHIKAKU_CERT_SIGNING_KEY")?;
        self.jwt_secret = vars.secret("SHIKAKU_JWT_SECRET")?;
        self.vault_key = vars.secret("SHIKAKU_VAULT_KEY")?;
        Ok(())
    }
}
