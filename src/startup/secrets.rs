//! The secrets start-up keys things with: configured, or in development
//! generated once into the data directory (see `config::dev_secret`).

use api::auth::TokenKeys;
use api::oauth::secrets::ClientSecrets;
use secrecy::ExposeSecret;

use super::StartupError;
use crate::config::{dev_secret, Environment, Settings};

/// The token keys for these settings (shared by `serve` and `token`). In
/// production without SHIKAKU_JWT_SECRET they key only console sessions, with
/// a key derived from the vault key (production never generates secrets).
pub fn token_keys(settings: &Settings) -> Result<TokenKeys, StartupError> {
    if settings.env == Environment::Production && settings.jwt_secret.is_none() {
        let derived = format!("console-sessions:{}", hex::encode(vault_key(settings)?));
        return Ok(TokenKeys::new(derived.as_bytes()));
    }
    Ok(TokenKeys::new(jwt_secret(settings)?.as_bytes()))
}

/// The shortest server secret accepted: an HMAC-SHA256 key of fewer than 32
/// bytes is weaker than the hash, and anyone who guesses it mints tokens.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// The server secret: SHIKAKU_JWT_SECRET, or the generated `jwt_secret` file;
/// refused when shorter than [`MIN_JWT_SECRET_BYTES`].
pub(super) fn jwt_secret(settings: &Settings) -> Result<String, StartupError> {
    let configured = settings
        .jwt_secret
        .as_ref()
        .map(ExposeSecret::expose_secret);
    let secret = dev_secret(configured, &settings.data_dir, "jwt_secret")?;
    if secret.len() < MIN_JWT_SECRET_BYTES {
        let source = match configured {
            Some(_) => "SHIKAKU_JWT_SECRET".to_owned(),
            None => settings.data_dir.join("jwt_secret").display().to_string(),
        };
        return Err(StartupError::Setting(format!(
            "{source} is {} bytes long; the token secret must be at least {MIN_JWT_SECRET_BYTES} \
             bytes (e.g. `openssl rand -hex 32`)",
            secret.len()
        )));
    }
    Ok(secret)
}

/// How ministry client secrets are hashed: with a key derived from the vault
/// key, so `serve` and `ministry-clients` must share SHIKAKU_VAULT_KEY (in
/// production a generated key would hash secrets no server can check).
pub fn ministry_client_secrets(settings: &Settings) -> Result<ClientSecrets, StartupError> {
    if settings.env == Environment::Production && settings.vault_key.is_none() {
        return Err(StartupError::Setting(
            "SHIKAKU_VAULT_KEY is not set: ministry client secrets are hashed with a key \
             derived from it, so run ministry-clients with the server's"
                .into(),
        ));
    }
    Ok(ClientSecrets::new(&vault_key(settings)?))
}

/// The vault's AES-256 key: SHIKAKU_VAULT_KEY, or the generated `vault_key` file.
pub(super) fn vault_key(settings: &Settings) -> Result<[u8; 32], StartupError> {
    let hex_key = dev_secret(
        settings.vault_key.as_ref().map(ExposeSecret::expose_secret),
        &settings.data_dir,
        "vault_key",
    )?;
    let bytes = hex::decode(hex_key.trim()).map_err(|_| StartupError::VaultKey)?;
    bytes.try_into().map_err(|_| StartupError::VaultKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secret: &str) -> Settings {
        let mut s = Settings::load().expect("default settings");
        s.data_dir = std::env::temp_dir().join(format!("shikaku-secrets-{}", uuid::Uuid::new_v4()));
        s.jwt_secret = Some(secret.into());
        s
    }

    #[test]
    fn production_hashes_client_secrets_only_with_the_servers_vault_key() {
        let mut s = settings(&"x".repeat(32));
        s.env = Environment::Production;
        let err = ministry_client_secrets(&s).err().expect("refused");
        assert!(err.to_string().contains("SHIKAKU_VAULT_KEY"), "{err}");
        s.vault_key = Some("ab".repeat(32).into());
        assert!(ministry_client_secrets(&s).is_ok());
    }

    #[test]
    fn a_short_token_secret_is_refused_naming_the_setting() {
        let err = token_keys(&settings("short-secret"))
            .err()
            .expect("refused");
        let message = err.to_string();
        assert!(message.contains("SHIKAKU_JWT_SECRET"), "{message}");
        assert!(message.contains("at least 32 bytes"), "{message}");
        assert!(
            !message.contains("short-secret"),
            "the secret is not printed"
        );
        assert!(token_keys(&settings(&"x".repeat(32))).is_ok());
    }
}
