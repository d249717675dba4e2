//! The settings: defaults, the environment's overrides and what production requires.

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

#[test]
fn my_numbers_are_kept_five_years_after_deletion_and_not_after_a_withdrawal_by_default() {
    let mut s: Settings = toml::from_str(DEFAULTS).unwrap();
    let defaults = s.my_number_retention();
    assert_eq!(defaults.after_case_end, chrono::Duration::zero());
    assert_eq!(defaults.after_deletion_years, 5);
    s.apply_env(|k| match k {
        "SHIKAKU_MY_NUMBER_SHRED_AFTER_DAYS" => Some("30".into()),
        "SHIKAKU_MY_NUMBER_RETENTION_YEARS" => Some("7".into()),
        _ => None,
    })
    .unwrap();
    let set = s.my_number_retention();
    assert_eq!(set.after_case_end, chrono::Duration::days(30));
    assert_eq!(set.after_deletion_years, 7);
    let bad = s.apply_env(|k| (k == "SHIKAKU_MY_NUMBER_RETENTION_YEARS").then(|| "-1".into()));
    assert!(bad.is_err());
}

#[test]
fn secrets_come_from_files_named_by_their_file_variables() {
    let dir = std::env::temp_dir().join(format!("shikaku-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = dir.join("cert.pem");
    std::fs::write(
        &pem,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let vault = dir.join("vault");
    std::fs::write(&vault, format!("{}\n", "ab".repeat(32))).unwrap();
    let url = dir.join("url");
    std::fs::write(&url, "postgres://u:p@db/x").unwrap();
    let mut s: Settings = toml::from_str(DEFAULTS).unwrap();
    s.apply_env(|k| match k {
        "SHIKAKU_CERT_SIGNING_KEY_FILE" => Some(pem.display().to_string()),
        "SHIKAKU_VAULT_KEY_FILE" => Some(vault.display().to_string()),
        "DATABASE_URL_FILE" => Some(url.display().to_string()),
        "SHIKAKU_MIGRATE" => Some("false".into()),
        _ => None,
    })
    .unwrap();
    let key = s
        .cert_signing_key
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    assert_eq!(
        key,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
    );
    assert_eq!(
        s.vault_key.as_ref().unwrap().expose_secret(),
        "ab".repeat(32)
    );
    assert_eq!(s.database_url, "postgres://u:p@db/x");
    assert!(!s.migrate);

    let both = s.apply_env(|k| match k {
        "SHIKAKU_JWT_SECRET" => Some("direct".into()),
        "SHIKAKU_JWT_SECRET_FILE" => Some(pem.display().to_string()),
        _ => None,
    });
    assert!(matches!(both, Err(ConfigError::Both("SHIKAKU_JWT_SECRET"))));
    let missing = s.apply_env(|k| {
        (k == "SHIKAKU_STRIPE_SECRET_KEY_FILE").then(|| "/nonexistent/stripe".into())
    });
    let err = missing.unwrap_err().to_string();
    assert!(err.contains("SHIKAKU_STRIPE_SECRET_KEY_FILE") && err.contains("/nonexistent/stripe"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_test_clock_is_served_in_development_only() {
    let mut s: Settings = toml::from_str(DEFAULTS).unwrap();
    assert!(s.test_clock_enabled(), "on by default in development");
    s.apply_env(|k| (k == "SHIKAKU_TEST_CLOCK").then(|| "false".into()))
        .unwrap();
    assert!(!s.test_clock_enabled(), "turned off");
    s.test_clock = true;
    s.apply_env(|k| (k == "SHIKAKU_ENV").then(|| "production".into()))
        .unwrap();
    assert!(!s.test_clock_enabled(), "production never serves it");
}
