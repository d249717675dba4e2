//! The browser verifier in a real headless Chromium: the Rust side issues a
//! certificate and revokes it when the browser script asks; the script
//! (`tests/console/verify.mjs`) checks VALID online and offline, INVALID for
//! a forgery, SUSPENDED and then REVOKED after refreshes, and that no request
//! carried the token.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use super::*;

#[tokio::test]
async fn the_browser_verifies_offline_and_the_token_never_leaves_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/console (scripts/test does) to install playwright-core"
    );
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "93345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    let token = cert["token"].as_str().unwrap().to_owned();
    let url = cert["verification_url"].as_str().unwrap();
    let (_, digits) = url.split_once("/verify#c=").expect("a fragment URL");
    // A forgery: the same certificate signed by another key.
    let (other, _) = SigningKey::generate().unwrap();
    let claims = certificate::token::read_unverified(&unb64(&token).unwrap()).unwrap();
    let forged = certificate::encoding::pack(&sign_certificate(&claims, &other));
    let id: uuid::Uuid = cert["certificate_id"].as_str().unwrap().parse().unwrap();

    let mut child = Command::new("node")
        .arg(dir.join("verify.mjs"))
        .current_dir(&dir)
        .env("BASE", &app.base)
        .env("TOKEN_DIGITS", digits)
        .env("TOKEN_B64", &token)
        .env("FORGED_DIGITS", &forged)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    // The browser runs off this runtime (which serves it); its requests to
    // revoke come back here over a channel.
    let (ask, mut asked) = tokio::sync::mpsc::channel::<certificate::Status>(1);
    let (done, wait_done) = std::sync::mpsc::channel::<()>();
    let reader = tokio::task::spawn_blocking(move || {
        let mut out = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            out.push_str(&line);
            out.push('\n');
            let status = if line.ends_with("SUSPEND") {
                certificate::Status::Suspended
            } else if line.ends_with("REVOKE") {
                certificate::Status::Invalid
            } else {
                continue;
            };
            ask.blocking_send(status).unwrap();
            wait_done.recv().unwrap();
            writeln!(stdin, "done").unwrap();
        }
        out
    });
    let pool = app.pool.clone();
    let revoker = tokio::spawn(async move {
        let mut changes = 0;
        while let Some(status) = asked.recv().await {
            let mut conn = pool.acquire().await.unwrap();
            let changed = adapters::certificate::set_status(&mut conn, id, status)
                .await
                .unwrap();
            assert!(changed);
            changes += 1;
            done.send(()).unwrap();
        }
        assert_eq!(changes, 2, "suspended, then revoked");
    });
    let out = reader.await.unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    println!("{out}");
    assert!(
        status.status.success(),
        "browser test failed:\n{out}\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    revoker.await.unwrap();
    assert!(out.contains("no request carried the token ... ok"), "{out}");
    // The server agrees.
    assert_eq!(verify(&app, &token).await["result"], "REVOKED");
}
