//! The secrets start-up keys things with: configured, or in development
//! generated once into the data directory (see `config::dev_secret`).

use api::auth::TokenKeys;
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

/// The server secret: SHIKAKU_JWT_SECRET, or the generated `jwt_secret` file.
pub(super) fn jwt_secret(settings: &Settings) -> Result<String, StartupError> {
    Ok(dev_secret(
        settings
            .jwt_secret
            .as_ref()
            .map(ExposeSecret::expose_secret),
        &settings.data_dir,
        "jwt_secret",
    )?)
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
