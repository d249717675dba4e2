//! The applicant portal over HTTP: sessions only for applicants, someone
//! else's case is 404, no session is a trip to the sign-in page, and every
//! link in every mail opens a page that works for the signed-in holder.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::console::{browser, set_cookie, value};
use crate::common::{my_number, spawn_app, TestApp};
use domain::Role;

/// Signs in to the portal through its form; the answer to the POST.
async fn portal_sign_in(app: &TestApp, token: &str) -> reqwest::Response {
    portal_sign_in_to(app, token, "").await
}

/// Signs in through the form with `next` as the page to return to.
pub(crate) async fn portal_sign_in_to(app: &TestApp, token: &str, next: &str) -> reqwest::Response {
    let http = browser();
    let form = http
        .get(format!("{}/portal/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let cookie = set_cookie(&form, "shikaku_portal_login").expect("the form's CSRF cookie");
    let csrf = value(&cookie).to_owned();
    http.post(format!("{}/portal/login", app.base))
        .header("cookie", format!("shikaku_portal_login={csrf}"))
        .form(&[("token", token), ("csrf", csrf.as_str()), ("next", next)])
        .send()
        .await
        .unwrap()
}

/// The Cookie header of `sub`'s portal session.
pub(crate) async fn portal_session(app: &TestApp, sub: &str) -> String {
    let r = portal_sign_in(app, &app.token(Role::Applicant, sub)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&r, "shikaku_portal").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/portal"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    format!("shikaku_portal={}", value(&cookie))
}

pub(crate) async fn portal_get(app: &TestApp, url: &str, cookie: &str) -> reqwest::Response {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        format!("{}{url}", app.base)
    };
    browser()
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_applicants_sign_in_and_only_to_their_own_cases() {
    let app = spawn_app().await;
    let id = app.apply("hanako", &my_number("12345678901")).await;

    // No session: every page sends the browser to the sign-in page, which
    // returns to it afterwards.
    for path in [
        "/portal".to_owned(),
        "/portal/inbox".to_owned(),
        "/portal/apply".to_owned(),
        format!("/portal/registrations/{id}"),
        format!("/portal/registrations/{id}/certificate.pdf"),
    ] {
        let r = portal_get(&app, &path, "").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let login = match path.as_str() {
            "/portal" => "/portal/login".to_owned(),
            _ => format!("/portal/login?next={}", path.replace('/', "%2F")),
        };
        assert_eq!(r.headers()["location"], login.as_str(), "{path}");
    }
    // Staff and ministries get no portal session, and say so in words.
    for role in [
        Role::Examiner,
        Role::SeniorExaminer,
        Role::Ministry,
        Role::Admin,
    ] {
        let r = portal_sign_in(&app, &app.token(role, "staff")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role:?}");
        assert!(set_cookie(&r, "shikaku_portal").is_none());
        assert!(r.text().await.unwrap().contains("申請者専用"));
    }
    assert_eq!(
        portal_sign_in(&app, "not-a-token").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A console session is no portal session.
    let console = crate::console::session_of(&app, Role::Examiner, "ex-1").await;
    let forged = console.replace("shikaku_console=", "shikaku_portal=");
    let r = portal_get(&app, "/portal", &forged).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let hanako = portal_session(&app, "hanako").await;
    let page = portal_get(&app, &format!("/portal/registrations/{id}"), &hanako).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("data-status=\"AWAITING_PAYMENT\""), "{page}");
    assert!(
        page.contains("id=\"pay-link\""),
        "the checkout link is offered"
    );

    // Someone else's case does not exist for taro, whatever he tries.
    let taro = portal_session(&app, "taro").await;
    for path in [
        format!("/portal/registrations/{id}"),
        format!("/portal/registrations/{id}/certificate.pdf"),
        format!("/portal/registrations/{id}/certificate.svg"),
    ] {
        let r = portal_get(&app, &path, &taro).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let csrf = crate::common::console::csrf_field(
        &portal_get(&app, "/portal", &taro)
            .await
            .text()
            .await
            .unwrap(),
    );
    let r = browser()
        .post(format!("{}/portal/registrations/{id}/withdraw", app.base))
        .header("cookie", &taro)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.registration(&id).await["status"], "AWAITING_PAYMENT");

    // The holder's withdrawal needs the session's CSRF token.
    let r = browser()
        .post(format!("{}/portal/registrations/{id}/withdraw", app.base))
        .header("cookie", &hanako)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let csrf = crate::common::console::csrf_field(
        &portal_get(&app, "/portal", &hanako)
            .await
            .text()
            .await
            .unwrap(),
    );
    let r = browser()
        .post(format!("{}/portal/registrations/{id}/withdraw", app.base))
        .header("cookie", &hanako)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.registration(&id).await["status"], "WITHDRAWN");

    // Signed out, the same cookie opens nothing.
    let r = browser()
        .post(format!("{}/portal/logout", app.base))
        .header("cookie", &hanako)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        portal_get(&app, "/portal", &hanako).await.status(),
        StatusCode::SEE_OTHER
    );
}

/// The text a person reads on a page: the markup without its tags, attributes and scripts.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// SCREAMING_CASE words (internal codes such as DOCUMENT_MISSING) in a text.
fn codes(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.contains('_')
                && w.len() > 3
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect()
}

/// The text of a PDF as `pdftotext` (poppler-utils) extracts it.
pub(crate) async fn pdf_text(name: &str, pdf: Vec<u8>) -> String {
    let path = std::env::temp_dir().join(format!("shikaku-certificate-{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let output = tokio::task::spawn_blocking({
        let path = path.clone();
        move || {
            std::process::Command::new("pdftotext")
                .arg("-enc")
                .arg("UTF-8")
                .arg(&path)
                .arg("-")
                .output()
        }
    })
    .await
    .unwrap()
    .expect("pdftotext (poppler-utils) is installed");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Every URL in a text.
fn urls(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_link_in_every_mail_opens_a_page_for_the_signed_in_holder() {
    let app = spawn_app().await;
    let (id, _) = app
        .registered("hanako", &my_number("12345678901"), "ex-1", "sr-1")
        .await;
    app.settle().await;
    let inbox: Value = app
        .get_json("/v1/notifications", &app.token(Role::Applicant, "hanako"))
        .await;
    let notices = inbox["items"].as_array().unwrap();
    let kinds: Vec<&str> = notices.iter().filter_map(|n| n["kind"].as_str()).collect();
    for kind in [
        "received",
        "payment_requested",
        "registered",
        "certificate_ready",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // The scan finds a code where there is one.
    assert_eq!(codes("理由: DOCUMENT_MISSING。"), vec!["DOCUMENT_MISSING"]);
    assert!(codes("Qualification registration 2026").is_empty());
    let session = portal_session(&app, "hanako").await;
    let mut checked = 0;
    for notice in notices {
        let body = notice["body"].as_str().unwrap();
        assert!(!body.contains("/v1/"), "no API links for people: {body}");
        let subject = notice["subject"].as_str().unwrap();
        assert_eq!(
            codes(&format!("{subject} {body}")),
            Vec::<String>::new(),
            "{body}"
        );
        for url in urls(body) {
            let r = portal_get(&app, &url, &session).await;
            assert_eq!(r.status(), StatusCode::OK, "{url}");
            // What the holder reads there is words, not internal codes.
            let page = visible_text(&r.text().await.unwrap());
            assert_eq!(codes(&page), Vec::<String>::new(), "{url}: {page}");
            checked += 1;
        }
    }
    for path in ["/portal", "/portal/inbox", "/portal/apply"] {
        let page = visible_text(&portal_get(&app, path, &session).await.text().await.unwrap());
        assert_eq!(codes(&page), Vec::<String>::new(), "{path}: {page}");
    }
    assert!(checked >= 4, "{checked} links");
    // The certificate mail leads to the downloads.
    let page = portal_get(&app, &format!("/portal/registrations/{id}"), &session)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"certificate-pdf\""), "{page}");
    let pdf = portal_get(
        &app,
        &format!("/portal/registrations/{id}/certificate.pdf"),
        &session,
    )
    .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // What the certificate prints, as a PDF reader extracts it: words and
    // Japanese-calendar dates, no internal code.
    let text = pdf_text(&id, pdf.to_vec()).await;
    assert!(text.contains("介護福祉士"), "{text}");
    assert!(text.contains("山田") && text.contains("花子"), "{text}");
    assert!(text.contains("平成2年（1990年）4月1日"), "{text}");
    assert!(text.contains("令和"), "the issue date: {text}");
    assert_eq!(codes(&text), Vec::<String>::new(), "{text}");
    let svg = portal_get(
        &app,
        &format!("/portal/registrations/{id}/certificate.svg"),
        &session,
    )
    .await;
    assert_eq!(svg.status(), 200);
    assert!(svg.text().await.unwrap().contains("<svg"));
}

#[tokio::test]
async fn mails_link_to_the_offices_own_front_end_when_it_has_one() {
    let app = crate::common::spawn_app_with(|s| {
        s.portal_url = "https://myna.example.jp/shikaku".into();
    })
    .await;
    app.apply("hanako", &my_number("12345678901")).await;
    let inbox: Value = app
        .get_json("/v1/notifications", &app.token(Role::Applicant, "hanako"))
        .await;
    let body = inbox["items"][0]["body"].as_str().unwrap();
    assert!(
        body.contains("https://myna.example.jp/shikaku/registrations/"),
        "{body}"
    );
}
