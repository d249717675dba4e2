//! The certificate signing key: from `SHIKAKU_CERT_SIGNING_KEY` (PKCS#8 PEM)
//! or, in development, generated into the data directory; its rotation; and
//! the Japanese font printed certificates embed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use certificate::SigningKey;
use secrecy::ExposeSecret;
use sqlx::PgPool;

use crate::startup::StartupError;
use crate::Settings;

/// The file in the data directory that holds the development signing key.
const KEY_FILE: &str = "cert_signing_key.pem";

fn key_error(e: impl std::fmt::Display) -> StartupError {
    StartupError::CertificateKey(e.to_string())
}

/// Writes a private key 0600 from its first byte (see `adapters::private_file`).
fn write_private(path: &Path, text: &str) -> Result<(), StartupError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    adapters::private_file::replace(path, text.as_bytes())?;
    Ok(())
}

/// The key that signs certificates and the status list.
pub fn signing_key(settings: &Settings) -> Result<SigningKey, StartupError> {
    if let Some(pem) = &settings.cert_signing_key {
        return SigningKey::from_pem(pem.expose_secret()).map_err(key_error);
    }
    if settings.env == crate::config::Environment::Production {
        return Err(key_error(
            "SHIKAKU_CERT_SIGNING_KEY is not set (production never generates it)",
        ));
    }
    let path = settings.data_dir.join(KEY_FILE);
    if let Ok(pem) = std::fs::read_to_string(&path) {
        return SigningKey::from_pem(&pem).map_err(key_error);
    }
    let (key, pem) = SigningKey::generate().map_err(key_error)?;
    write_private(&path, &pem)?;
    tracing::info!(
        kid = key.kid(),
        "generated a development certificate signing key"
    );
    Ok(key)
}

/// Publishes the configured key as the current one (start-up).
pub async fn publish(pool: &PgPool, key: &SigningKey) -> Result<(), StartupError> {
    adapters::certificate::keys::make_current(pool, &key.public_key()).await?;
    Ok(())
}

/// What `certificate-keys rotate` did.
pub struct Rotation {
    pub kid: String,
    /// The new key's PEM when the operator must install it (the key comes
    /// from SHIKAKU_CERT_SIGNING_KEY); None when it went to the data directory.
    pub pem_to_install: Option<String>,
}

/// Makes a new signing key, publishes it and retires the others (which stay
/// published, so what they signed stays valid). In development the key file
/// in the data directory is replaced; with SHIKAKU_CERT_SIGNING_KEY set the
/// new PEM is handed back for the operator to install.
pub async fn rotate(pool: &PgPool, settings: &Settings) -> Result<Rotation, StartupError> {
    let (key, pem) = SigningKey::generate().map_err(key_error)?;
    let operator_installs = settings.cert_signing_key.is_some()
        || settings.env == crate::config::Environment::Production;
    let pem_to_install = if operator_installs {
        Some(pem)
    } else {
        write_private(&settings.data_dir.join(KEY_FILE), &pem)?;
        None
    };
    publish(pool, &key).await?;
    Ok(Rotation {
        kid: key.kid().to_owned(),
        pem_to_install,
    })
}

/// The Japanese font for printed certificates: the configured file, else
/// the usual Debian locations of IPAex Gothic.
pub fn font(settings: &Settings) -> Option<Arc<Vec<u8>>> {
    let candidates = [
        PathBuf::from(&settings.certificate_font),
        PathBuf::from("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
        PathBuf::from("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
    ];
    let found = candidates
        .iter()
        .filter(|p| !p.as_os_str().is_empty())
        .find_map(|p| std::fs::read(p).ok());
    if found.is_none() {
        tracing::warn!(
            font = settings.certificate_font,
            "no Japanese font found: certificate PDFs are unavailable (install fonts-ipaexfont)"
        );
    }
    found.map(Arc::new)
}
