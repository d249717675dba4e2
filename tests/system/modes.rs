//! Development and production modes: production refuses to start, naming the
//! setting, where development would generate a secret or use the payment
//! sandbox or the simulated registers, and it never prints tokens.

use std::process::Command;

fn shikaku(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let data_dir = std::env::temp_dir().join(format!("shikaku-modes-{}", uuid::Uuid::new_v4()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shikaku"));
    cmd.args(args)
        .env_remove("SHIKAKU_JWT_SECRET")
        .env_remove("SHIKAKU_OIDC_ISSUER")
        .env_remove("SHIKAKU_OIDC_JWKS_URL")
        .env_remove("SHIKAKU_OIDC_AUDIENCE")
        .env_remove("SHIKAKU_VAULT_KEY")
        .env_remove("SHIKAKU_STRIPE_SECRET_KEY")
        .env_remove("SHIKAKU_SMTP_URL")
        .env("SHIKAKU_DATA_DIR", &data_dir)
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn production_refuses_to_start_and_names_the_setting() {
    let out = shikaku(
        &["serve", "--bind", "127.0.0.1:0"],
        &[("SHIKAKU_ENV", "production")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SHIKAKU_OIDC_ISSUER"), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "no token printed"
    );

    // Each setting given in turn: the next one missing is named.
    let vault_key = "22".repeat(32);
    let mut env = vec![
        ("SHIKAKU_ENV", "production"),
        ("SHIKAKU_OIDC_ISSUER", "https://id.example.jp"),
        ("SHIKAKU_OIDC_JWKS_URL", "https://id.example.jp/jwks"),
        ("SHIKAKU_OIDC_AUDIENCE", "shikaku"),
        ("SHIKAKU_VAULT_KEY", vault_key.as_str()),
    ];
    for (instead, (name, value)) in [
        ("sandbox", ("SHIKAKU_STRIPE_SECRET_KEY", "sk_live_x")),
        (
            "outbox",
            ("SHIKAKU_SMTP_URL", "smtp://relay.example.jp?tls=required"),
        ),
    ] {
        let out = shikaku(&["serve", "--bind", "127.0.0.1:0"], &env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name) && err.contains(instead), "{err}");
        env.push((name, value));
    }
    let out = shikaku(&["serve", "--bind", "127.0.0.1:0"], &env);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("registers are simulated"), "{err}");

    let out = shikaku(&["worker"], &[("SHIKAKU_ENV", "production")]);
    assert!(!out.status.success());
}

#[test]
fn production_mints_no_dev_tokens_and_refuses_unknown_modes() {
    let out = shikaku(
        &["token", "--role", "admin", "--sub", "x"],
        &[("SHIKAKU_ENV", "production"), ("SHIKAKU_JWT_SECRET", "s")],
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("development only"));
    let out = shikaku(
        &["token", "--role", "admin", "--sub", "x"],
        &[("SHIKAKU_ENV", "staging")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SHIKAKU_ENV"));
}
