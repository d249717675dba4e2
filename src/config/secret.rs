//! Development secrets, generated once into the data directory.

/// Reads a secret from the environment value, or from a file in the data
/// directory, generating it there the first time: created 0600 with its
/// content (never written readable and narrowed afterwards), and never
/// overwriting one another process generated meanwhile.
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
    if adapters::private_file::create(&path, secret.as_bytes())? {
        Ok(secret)
    } else {
        // Another process generated it first: use theirs.
        Ok(std::fs::read_to_string(&path)?.trim().to_owned())
    }
}
