//! The examiner console end to end in a real headless Chromium: the Rust side
//! starts the application and prepares two paid cases, then runs the browser
//! script `tests/console/console.mjs` (playwright-core from npm, Debian's
//! chromium; `scripts/test` installs both).

use crate::common;

use std::path::Path;
use std::process::Command;

use crate::common::console::{console_get, set_cookie, sign_in, value};
use crate::common::{my_number, spawn_app};
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

async fn queue_with(app: &common::TestApp, session: &str) -> reqwest::Response {
    console_get(app, "/console/queue", format!("shikaku_console={session}")).await
}

#[tokio::test]
async fn sessions_are_strict_cookies_that_expire_and_only_examiners_get_one() {
    let app = spawn_app().await;
    let r = sign_in(&app, &app.token(Role::Examiner, "ex-1")).await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let cookie = set_cookie(&r, "shikaku_console").expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let session = value(&cookie).to_owned();
    assert_eq!(queue_with(&app, &session).await.status(), 200);

    // Attachments open inline in the browser, for a signed-in examiner only.
    let id = app.upload_pdf("hanako").await;
    let path = format!("/console/attachments/{id}");
    let attachment = |cookie: String| console_get(&app, &path, cookie);
    let r = attachment(format!("shikaku_console={session}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["content-disposition"], "inline");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(attachment(String::new()).await.status(), 303);

    // A tampered cookie is no session.
    let mut forged = session.clone();
    forged.insert(0, 'x');
    let r = queue_with(&app, &forged).await;
    assert_eq!(r.status(), 303);

    // Applicants, ministries and admins are refused, and get no session.
    for role in [Role::Applicant, Role::Ministry, Role::Admin] {
        let r = sign_in(&app, &app.token(role, "someone")).await;
        assert_eq!(r.status(), 403, "{role:?}");
        assert!(set_cookie(&r, "shikaku_console").is_none());
        let page = r.text().await.unwrap();
        assert!(page.contains("審査官専用"), "the refusal is in words");
    }
    // A bad token is refused in words too.
    let r = sign_in(&app, "not-a-token").await;
    assert_eq!(r.status(), 401);

    // A session never outlives its token.
    let r = sign_in(&app, &app.tokens.mint("ex-2", Role::Examiner, 2)).await;
    let short = value(&set_cookie(&r, "shikaku_console").unwrap()).to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let r = queue_with(&app, &short).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/console/login?expired=1"
    );
}

#[tokio::test]
async fn japanese_by_default_english_on_request() {
    let app = spawn_app().await;
    let page = |accept: Option<&'static str>, query: &'static str| {
        let mut request = app.http.get(format!("{}/console/login{query}", app.base));
        if let Some(accept) = accept {
            request = request.header("accept-language", accept);
        }
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let ja = page(None, "").await;
    assert!(ja.contains("<html lang=\"ja\">") && ja.contains("サインイン"));
    let en = page(Some("en-US,en;q=0.9"), "").await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in"));
    let asked = page(Some("ja"), "?lang=en").await;
    assert!(asked.contains("<html lang=\"en\">"));
    let back = page(Some("en-US"), "?lang=ja").await;
    assert!(back.contains("<html lang=\"ja\">"));
}

#[tokio::test]
async fn cookies_are_secure_behind_https_and_assets_are_served_by_the_binary() {
    let app = common::spawn_app_with(|s| s.public_url = "https://shikaku.example.jp".into()).await;
    let r = sign_in(&app, &app.token(Role::SeniorExaminer, "sr-1")).await;
    let cookie = set_cookie(&r, "shikaku_console").expect("session cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    let r = app
        .get_anonymous("/console/assets/htmx-2.0.11.min.js")
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().starts_with("var htmx="));
}
