//! Development secrets, generated once into the data directory.

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
