//! Files that hold personal data or secrets are private from the moment they
//! exist: attachments, development mail (`.eml`) and generated secrets are
//! created 0600 in 0700 directories, never created readable and narrowed later.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{my_number, spawn_app_with};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The files directly in `dir`.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect()
}

#[tokio::test]
async fn attachments_mail_and_generated_secrets_are_created_private() {
    let data = std::env::temp_dir().join(format!("shikaku-private-{}", uuid::Uuid::new_v4()));
    let dir = data.clone();
    let app = spawn_app_with(move |s| {
        s.data_dir = dir;
        s.jwt_secret = None;
        s.vault_key = None;
    })
    .await;
    for secret in ["jwt_secret", "vault_key", "cert_signing_key.pem"] {
        assert_eq!(mode(&data.join(secret)), 0o600, "{secret}");
    }

    let id = app.upload_pdf("hanako").await;
    let attachments = data.join("attachments");
    assert_eq!(mode(&attachments), 0o700);
    let stored = attachments.join("attachments").join(&id);
    assert_eq!(mode(stored.parent().unwrap()), 0o700);
    assert_eq!(mode(&stored), 0o600);

    app.apply("hanako", &my_number("81234567890")).await;
    let outbox = data.join("outbox");
    assert_eq!(mode(&outbox), 0o700);
    let mail = files(&outbox);
    assert!(!mail.is_empty(), "the acknowledgement was written");
    for eml in mail {
        assert_eq!(mode(&eml), 0o600, "{}", eml.display());
    }
}
