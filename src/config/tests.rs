//! The settings: defaults, the environment's overrides and what production requires.

use super::*;
use secrecy::ExposeSecret;

/// The settings with only the variables `vars` set.
fn with(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::load_from(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned())
    })
}

#[test]
fn debug_never_prints_a_secret() {
    let mut s = with(&[]).unwrap();
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
    let s = with(&[]).unwrap();
    assert!(
        s.production_problems().is_empty(),
        "development needs nothing"
    );
    let s = with(&[("SHIKAKU_ENV", "production")]).unwrap();
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
    let err = with(&[("SHIKAKU_ENV", "staging")]).unwrap_err().to_string();
    assert!(err.contains("SHIKAKU_ENV"), "{err}");
}

#[test]
fn an_oidc_issuer_needs_all_three_settings() {
    assert_eq!(with(&[]).unwrap().oidc(), Ok(None));
    let issuer = ("SHIKAKU_OIDC_ISSUER", "https://id.example");
    let s = with(&[issuer]).unwrap();
    let err = s.oidc().unwrap_err();
    assert!(err.contains("SHIKAKU_OIDC_JWKS_URL") && err.contains("SHIKAKU_OIDC_AUDIENCE"));
    let all = [
        issuer,
        ("SHIKAKU_OIDC_JWKS_URL", "https://id.example/jwks"),
        ("SHIKAKU_OIDC_AUDIENCE", "shikaku"),
    ];
    let err = with(&[
        all[0],
        all[1],
        all[2],
        ("SHIKAKU_MINISTRY_RATE_PER_SECOND", "0"),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("SHIKAKU_MINISTRY_RATE_PER_SECOND"), "{err}");
    assert!(with(&all).unwrap().oidc().unwrap().is_some());
}

#[test]
fn environment_overrides_defaults() {
    let s = with(&[
        ("DATABASE_URL", "postgres://x/y"),
        ("SHIKAKU_PUBLIC_URL", "https://example.test/"),
        ("SHIKAKU_JWT_SECRET", "s3cret"),
        ("SHIKAKU_WEBHOOK_ALLOW_HOSTS", "hooks.internal, 10.0.0.7,"),
        ("SHIKAKU_MINISTRY_RATE_PER_SECOND", "5"),
        ("SHIKAKU_OIDC_AUDIENCE", "12345"),
    ])
    .unwrap();
    assert_eq!(s.database_url, "postgres://x/y");
    assert_eq!(s.public_url_for(1), "https://example.test");
    assert_eq!(
        s.jwt_secret.as_ref().map(ExposeSecret::expose_secret),
        Some("s3cret")
    );
    assert_eq!(s.bind, "127.0.0.1:8080");
    assert_eq!(s.webhook_allow_hosts, ["hooks.internal", "10.0.0.7"]);
    assert_eq!(s.ministry_rate_per_second, 5.0);
    assert_eq!(s.oidc_audience, "12345", "text settings stay text");
    let s = with(&[
        ("DATABASE_URL", "postgres://x/y"),
        ("SHIKAKU_DATABASE_URL", "postgres://z/w"),
    ])
    .unwrap();
    assert_eq!(s.database_url, "postgres://z/w", "the prefixed one wins");
    let err = with(&[("SHIKAKU_RUN_WORKERS", "yes")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("SHIKAKU_RUN_WORKERS"), "{err}");
}

#[test]
fn a_settings_file_overrides_defaults_and_the_environment_overrides_it() {
    let dir = std::env::temp_dir().join(format!("shikaku-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("shikaku.toml");
    std::fs::write(&file, "bind = \"0.0.0.0:9000\"\ndb_max_connections = 7\n").unwrap();
    let path = file.display().to_string();
    let s = with(&[
        ("SHIKAKU_CONFIG", &path),
        ("SHIKAKU_DB_MAX_CONNECTIONS", "9"),
    ])
    .unwrap();
    assert_eq!((s.bind.as_str(), s.db_max_connections), ("0.0.0.0:9000", 9));

    std::fs::write(&file, "db_max_connections = \"many\"\n").unwrap();
    let err = with(&[("SHIKAKU_CONFIG", &path)]).unwrap_err().to_string();
    assert!(
        err.contains("db_max_connections") && err.contains(&path),
        "{err}"
    );
    std::fs::write(&file, "vault_key = \"00\"\n").unwrap();
    let err = with(&[("SHIKAKU_CONFIG", &path)]).unwrap_err().to_string();
    assert!(err.contains("SHIKAKU_VAULT_KEY_FILE"), "{err}");
    let err = with(&[("SHIKAKU_CONFIG", "/nonexistent/shikaku.toml")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/shikaku.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn my_numbers_are_kept_five_years_after_deletion_and_not_after_a_withdrawal_by_default() {
    let defaults = with(&[]).unwrap().my_number_retention();
    assert_eq!(defaults.after_case_end, chrono::Duration::zero());
    assert_eq!(defaults.after_deletion_years, 5);
    let set = with(&[
        ("SHIKAKU_MY_NUMBER_SHRED_AFTER_DAYS", "30"),
        ("SHIKAKU_MY_NUMBER_RETENTION_YEARS", "7"),
    ])
    .unwrap()
    .my_number_retention();
    assert_eq!(set.after_case_end, chrono::Duration::days(30));
    assert_eq!(set.after_deletion_years, 7);
    let bad = with(&[("SHIKAKU_MY_NUMBER_RETENTION_YEARS", "-1")]);
    let err = bad.unwrap_err().to_string();
    assert!(err.contains("SHIKAKU_MY_NUMBER_RETENTION_YEARS"), "{err}");
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
    let (pem, vault, url) = (
        pem.display().to_string(),
        vault.display().to_string(),
        url.display().to_string(),
    );
    let s = with(&[
        ("SHIKAKU_CERT_SIGNING_KEY_FILE", &pem),
        ("SHIKAKU_VAULT_KEY_FILE", &vault),
        ("DATABASE_URL_FILE", &url),
        ("SHIKAKU_MIGRATE", "false"),
    ])
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

    let both = with(&[
        ("SHIKAKU_JWT_SECRET", "direct"),
        ("SHIKAKU_JWT_SECRET_FILE", &pem),
    ]);
    assert!(matches!(both, Err(ConfigError::Both("SHIKAKU_JWT_SECRET"))));
    let missing = with(&[("SHIKAKU_STRIPE_SECRET_KEY_FILE", "/nonexistent/stripe")]);
    let err = missing.unwrap_err().to_string();
    assert!(err.contains("SHIKAKU_STRIPE_SECRET_KEY_FILE") && err.contains("/nonexistent/stripe"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_setting_is_documented_in_the_readme() {
    let readme = include_str!("../../README.md");
    let table = &readme[readme.find("## Settings").unwrap()..readme.find("## Commands").unwrap()];
    let defaults: toml::Table = toml::from_str(DEFAULTS).unwrap();
    let missing: Vec<String> = defaults
        .keys()
        .map(|k| sources::variable(k))
        .chain(sources::SECRETS.iter().map(|(_, v)| (*v).to_owned()))
        .filter(|v| !table.contains(&format!("`{v}")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the README's settings: {missing:?}"
    );
}

#[test]
fn the_test_clock_is_served_in_development_only() {
    assert!(
        with(&[]).unwrap().test_clock_enabled(),
        "on by default in development"
    );
    let off = with(&[("SHIKAKU_TEST_CLOCK", "false")]).unwrap();
    assert!(!off.test_clock_enabled(), "turned off");
    let mut production = with(&[]).unwrap();
    production.env = Environment::Production;
    assert!(
        !production.test_clock_enabled(),
        "production never serves it"
    );
}
