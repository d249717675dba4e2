//! The applicant portal end to end in a real headless Chromium, in Japanese
//! and English, with axe-core scanning every portal and console page: the
//! Rust side starts the application and prepares each holder's cases (one
//! awaiting their answer, one registered), then runs
//! `tests/console/portal.mjs`.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::common::{my_number, spawn_app, TestApp};
use domain::Role;

/// A case of `holder` claimed by ex-1 and asked for a document.
async fn awaiting_answer(app: &TestApp, holder: &str, base: &str) -> String {
    let id = app.claimed(holder, &my_number(base), "ex-1").await;
    app.post_ok(
        &format!("/v1/registrations/{id}/information-requests"),
        &app.token(Role::Examiner, "ex-1"),
        &json!({"reason_code": "DOCUMENT_MISSING", "message": "合格証書の写しを添付してください。"}),
    )
    .await;
    id
}

#[tokio::test]
async fn applicants_do_everything_in_the_browser_in_both_languages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console");
    assert!(
        dir.join("node_modules/axe-core/axe.min.js").exists(),
        "run `npm ci` in tests/console (scripts/test does) to install playwright-core and axe-core"
    );
    let app = spawn_app().await;
    let ja_action = awaiting_answer(&app, "hanako", "12345678901").await;
    let (ja_registered, _) = app
        .registered("hanako", &my_number("22345678901"), "ex-1", "sr-1")
        .await;
    // John's notices come in English.
    let mut body = crate::common::application(&my_number("32345678901"));
    body["preferred_language"] = json!("en");
    let r = app
        .post(
            "/v1/registrations",
            &app.token(Role::Applicant, "john"),
            &body,
        )
        .await;
    let en_registered = crate::common::created_id(r).await;
    app.settle().await;
    app.pay(&en_registered).await;
    app.claim_and_approve(
        &format!("/v1/registrations/{en_registered}"),
        "ex-1",
        "sr-1",
    )
    .await;
    let en_action = awaiting_answer(&app, "john", "42345678901").await;
    app.settle().await;

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/portal-screenshots");
    let mut command = Command::new("node");
    command
        .arg(dir.join("portal.mjs"))
        .current_dir(&dir)
        .env("BASE", &app.base)
        .env("SCREENSHOT_DIR", &shots)
        .env("JA_TOKEN", app.token(Role::Applicant, "hanako"))
        .env("EN_TOKEN", app.token(Role::Applicant, "john"))
        .env("JA_ACTION", &ja_action)
        .env("EN_ACTION", &en_action)
        .env("JA_REGISTERED", &ja_registered)
        .env("EN_REGISTERED", &en_registered)
        .env("JA_MY_NUMBER", my_number("52345678901"))
        .env("EN_MY_NUMBER", my_number("62345678901"))
        .env("EXAMINER_TOKEN", app.token(Role::Examiner, "ex-1"));
    // The server runs on this runtime: wait for the browser off it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    // What the browser did is in the cases.
    for id in [&ja_action, &en_action] {
        let case = app.registration(id).await;
        assert_eq!(case["status"], "UNDER_EXAMINATION", "answered: {case}");
    }
    let mine: serde_json::Value = app
        .get_json("/v1/registrations", &app.token(Role::Applicant, "hanako"))
        .await;
    assert_eq!(
        mine["items"].as_array().unwrap().len(),
        3,
        "hanako applied once more in the browser: {mine}"
    );
}
