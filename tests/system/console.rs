//! The examiner console end to end in a real headless Chromium: the Rust side
//! starts the application and prepares two paid cases, then runs the browser
//! script `tests/console/console.mjs` (playwright-core from npm, Debian's
//! chromium; `scripts/test` installs both).

use crate::common;

use std::path::Path;
use std::process::Command;

use crate::common::console::{console_get, csrf_field, set_cookie, sign_in, value};
use crate::common::{my_number, raw_exchange, spawn_app, TestApp};
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

/// Signs `sub` in as `role`; the Cookie header of their session.
pub(crate) async fn session_of(app: &TestApp, role: Role, sub: &str) -> String {
    let r = sign_in(app, &app.token(role, sub)).await;
    let cookie = set_cookie(&r, "shikaku_console").expect("a session cookie");
    format!("shikaku_console={}", value(&cookie))
}

/// The READ_ATTACHMENT records: (actor, case, attachment, purpose).
async fn attachment_reads(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT actor, case_id::text, attachment_id::text, purpose FROM audit_log
         WHERE action = 'READ_ATTACHMENT' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn documents_open_inline_only_for_the_examiners_of_their_case_and_are_audited() {
    let app = spawn_app().await;
    let (id, document) = app
        .answered_with_document("hanako", &my_number("62345678901"), "ex-1")
        .await;
    let orphan = app.upload_pdf("hanako").await;
    let ex1 = session_of(&app, Role::Examiner, "ex-1").await;
    let ex2 = session_of(&app, Role::Examiner, "ex-2").await;
    let case = format!("/console/cases/registrations/{id}");
    let href = format!("{case}/attachments/{document}");
    let page = console_get(&app, &case, ex1.clone())
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&href),
        "the case page links the document through the case"
    );

    let r = console_get(&app, &href, ex1.clone()).await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-disposition"], "inline");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(
        attachment_reads(&app).await,
        vec![(
            "ex-1".to_owned(),
            id.clone(),
            document.clone(),
            Some("examination of the case (console)".to_owned())
        )]
    );

    // Another examiner, a document the case does not reference, the old
    // route without a case, and no session: refused, nothing recorded.
    let r = console_get(&app, &href, ex2.clone()).await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text().await.unwrap().contains("担当"),
        "the refusal is in words"
    );
    let r = console_get(&app, &format!("{case}/attachments/{orphan}"), ex1.clone()).await;
    assert_eq!(r.status(), 404);
    let r = console_get(
        &app,
        &format!("/console/attachments/{document}"),
        ex1.clone(),
    )
    .await;
    assert_eq!(r.status(), 404);
    assert_eq!(console_get(&app, &href, String::new()).await.status(), 303);
    assert_eq!(attachment_reads(&app).await.len(), 1);
}

/// A multipart text or file part (boundary `B`).
fn form_part(name: &str, bytes: &[u8]) -> Vec<u8> {
    let disposition = if name == "scan" {
        format!(
            "form-data; name=\"{name}\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf"
        )
    } else {
        format!("form-data; name=\"{name}\"")
    };
    let mut p = format!("--B\r\nContent-Disposition: {disposition}\r\n\r\n").into_bytes();
    p.extend_from_slice(bytes);
    p.extend_from_slice(b"\r\n");
    p
}

/// A piece of a chunked body.
fn chunk(bytes: &[u8]) -> Vec<u8> {
    let mut c = format!("{:x}\r\n", bytes.len()).into_bytes();
    c.extend_from_slice(bytes);
    c.extend_from_slice(b"\r\n");
    c
}

#[tokio::test]
async fn paper_response_uploads_check_csrf_first_and_are_limited_before_buffering() {
    let app = spawn_app().await;
    let id = app.apply("hanako", &my_number("72345678901")).await;
    let cookie = session_of(&app, Role::Examiner, "ex-1").await;
    let page = console_get(
        &app,
        &format!("/console/cases/registrations/{id}"),
        cookie.clone(),
    )
    .await
    .text()
    .await
    .unwrap();
    let csrf = csrf_field(&page);
    let head = |framing: &str| {
        format!(
            "POST /console/cases/registrations/{id}/record-response HTTP/1.1\r\nHost: {}\r\n\
             Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=B\r\n{framing}\r\n\r\n",
            app.base.trim_start_matches("http://")
        )
    };
    let scan = {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.resize(1024 * 1024, b' ');
        pdf
    };
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM attachments")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };

    // A wrong CSRF token in the first part: refused while the scan is still
    // arriving (the client never finishes it).
    let mut open_scan =
        b"--B\r\nContent-Disposition: form-data; name=\"scan\"; filename=\"s.pdf\"\r\n\r\n"
            .to_vec();
    open_scan.extend_from_slice(&scan);
    let pieces = vec![chunk(&form_part("csrf", b"forged")), chunk(&open_scan)];
    let (status, text) =
        raw_exchange(&app, head("Transfer-Encoding: chunked"), pieces, false).await;
    assert_eq!(status, 403, "{text}");
    // The token must come first: a scan before it is refused the same way.
    let pieces = vec![chunk(&open_scan)];
    let (status, text) =
        raw_exchange(&app, head("Transfer-Encoding: chunked"), pieces, false).await;
    assert_eq!(status, 403, "{text}");

    // A declared length over the limit: refused before anything is read.
    let (status, text) = raw_exchange(&app, head("Content-Length: 100000000"), vec![], false).await;
    assert_eq!(status, 413, "{text}");

    // With the right token: more scans than a response may carry, ...
    let mut body = vec![
        form_part("csrf", csrf.as_bytes()),
        form_part("version", b"1"),
    ];
    body.extend((0..6).map(|_| form_part("scan", b"%PDF-1.4\n")));
    body.push(b"--B--\r\n".to_vec());
    let body: Vec<u8> = body.concat();
    let (status, text) = raw_exchange(
        &app,
        head(&format!("Content-Length: {}", body.len())),
        vec![body],
        true,
    )
    .await;
    assert_eq!(status, 413, "{text}");
    // ... and scans beyond the total, counted as they arrive.
    let mut pieces = vec![chunk(&form_part("csrf", csrf.as_bytes()))];
    pieces.extend((0..40).map(|_| chunk(&form_part("scan", &scan))));
    let (status, text) =
        raw_exchange(&app, head("Transfer-Encoding: chunked"), pieces, false).await;
    assert_eq!(status, 413, "{text}");
    assert_eq!(stored().await, 0, "nothing refused was stored");
}
