//! Where the settings come from, as figment providers merged in this order:
//! the defaults (`config/default.toml`), the file SHIKAKU_CONFIG names, then
//! the environment. Every setting `key` of the defaults is overridden by
//! `SHIKAKU_<KEY>`; the database URL also by `DATABASE_URL`. Secrets come
//! from the environment only, each from its variable or from the file its
//! `_FILE` variable names (mounted secrets), as do the URLs that may carry a
//! password.

use figment::value::{Dict, Map, Num, Value};
use figment::{Metadata, Profile, Provider};

use super::ConfigError;

/// The secrets: `(setting, variable)`.
pub(super) const SECRETS: [(&str, &str); 5] = [
    ("stripe_secret_key", "SHIKAKU_STRIPE_SECRET_KEY"),
    ("stripe_webhook_secret", "SHIKAKU_STRIPE_WEBHOOK_SECRET"),
    ("cert_signing_key", "SHIKAKU_CERT_SIGNING_KEY"),
    ("jwt_secret", "SHIKAKU_JWT_SECRET"),
    ("vault_key", "SHIKAKU_VAULT_KEY"),
];

/// Settings that may carry a password: read like secrets, kept as text.
const WITH_PASSWORDS: [(&str, &str); 1] = [("smtp_url", "SHIKAKU_SMTP_URL")];

/// The variable that overrides `key`.
pub(super) fn variable(key: &str) -> String {
    format!("SHIKAKU_{}", key.to_ascii_uppercase())
}

/// A TOML table (the defaults or the settings file), named in errors.
pub(super) struct TomlSource {
    pub(super) name: String,
    pub(super) table: toml::Table,
}

impl Provider for TomlSource {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone()).interpolater(|_, path| path.join("."))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        match Value::serialize(&self.table)? {
            Value::Dict(_, dict) => Ok(Profile::Default.collect(dict)),
            _ => Err(figment::Error::from(format!(
                "{} is not a table",
                self.name
            ))),
        }
    }
}

/// The environment's values, read up front so that a secret file that cannot
/// be read is an error of its own; a bad value names its variable.
pub(super) struct Variables(Dict);

impl Provider for Variables {
    fn metadata(&self) -> Metadata {
        Metadata::named("the environment").interpolater(|_, path| {
            let keys: Vec<&str> = path.to_vec();
            match keys.as_slice() {
                ["database_url"] => "SHIKAKU_DATABASE_URL (or DATABASE_URL)".to_owned(),
                _ => variable(&keys.join("_")),
            }
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

impl Variables {
    /// The variables `var` finds for the settings of `defaults` and the secrets.
    pub(super) fn read(
        defaults: &toml::Table,
        var: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut values = Dict::new();
        for (key, default) in defaults {
            let name = variable(key);
            let text = match key.as_str() {
                "database_url" => {
                    file_or_var(var, "SHIKAKU_DATABASE_URL")?.or(file_or_var(var, "DATABASE_URL")?)
                }
                _ => match WITH_PASSWORDS.iter().find(|(k, _)| k == key) {
                    Some((_, name)) => file_or_var(var, name)?,
                    None => var(&name),
                },
            };
            if let Some(text) = text {
                values.insert(key.clone(), typed(default, text, &name)?);
            }
        }
        for (key, name) in SECRETS {
            // An empty secret counts as unset.
            if let Some(secret) = file_or_var(var, name)?.filter(|s| !s.is_empty()) {
                values.insert(key.to_owned(), Value::from(secret));
            }
        }
        Ok(Self(values))
    }
}

/// `text` as the type of the setting's `default`: numbers and booleans
/// parsed, lists comma-separated, anything else as it is.
fn typed(default: &toml::Value, text: String, name: &str) -> Result<Value, ConfigError> {
    let invalid = || ConfigError::Env(name.to_owned());
    Ok(match default {
        toml::Value::Integer(_) | toml::Value::Float(_) => {
            Value::from(text.parse::<Num>().map_err(|_| invalid())?)
        }
        toml::Value::Boolean(_) => Value::from(text.parse::<bool>().map_err(|_| invalid())?),
        toml::Value::Array(_) => Value::from(
            text.split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        ),
        _ => Value::from(text),
    })
}

/// The variable `name`, or the contents of the file `name`_FILE names
/// (a mounted secret; one trailing newline is not part of it).
fn file_or_var(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    let direct = var(name);
    let Some(path) = var(&format!("{name}_FILE")).filter(|p| !p.is_empty()) else {
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
