//! The examiner console end to end in a real headless Chromium: the Rust side
//! starts the application and prepares two paid cases, then runs the browser
//! script `tests/console/console.mjs` (playwright-core from npm, Debian's
//! chromium; `scripts/test` installs both).

mod common;

use std::path::Path;
use std::process::Command;

use common::{my_number, spawn_app};
use domain::Role;

#[tokio::test]
async fn examiners_work_a_case_to_the_register_in_the_browser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/console (scripts/test does) to install playwright-core"
    );
    let app = spawn_app().await;
    let case1 = app.apply("hanako", &my_number("12345678901")).await;
    app.pay(&case1).await;
    let case2 = app.apply("taro", &my_number("22345678901")).await;
    app.pay(&case2).await;

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/console-screenshots");
    let mut command = Command::new("node");
    command
        .arg(dir.join("console.mjs"))
        .current_dir(&dir)
        .env("BASE", &app.base)
        .env("SCREENSHOT_DIR", &shots)
        .env("CASE1", &case1)
        .env("CASE2", &case2)
        .env("PAPER_MY_NUMBER", my_number("52345678901"))
        .env("EXAMINER_TOKEN", app.token(Role::Examiner, "ex-1"))
        .env("SENIOR_TOKEN", app.token(Role::SeniorExaminer, "sr-1"))
        .env("APPLICANT_TOKEN", app.token(Role::Applicant, "hanako"));
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
    assert!(shots.join("queue.png").exists() && shots.join("case.png").exists());
    // The scenario ran to the end: the first case is on the register.
    assert_eq!(app.registration(&case1).await["status"], "REGISTERED");
    assert_eq!(
        app.registration(&case2).await["status"],
        "UNDER_EXAMINATION"
    );
}
