//! Signing in to the portal from a link (a mail's): the sign-in returns to
//! the page asked for, and only ever to a portal page of this site.

use reqwest::StatusCode;

use crate::common::console::{browser, set_cookie, value};
use crate::common::{my_number, spawn_app};
use crate::portal::{portal_get, portal_sign_in_to};
use domain::Role;

#[tokio::test]
async fn signing_in_from_a_mail_link_returns_to_the_linked_page_and_nowhere_else() {
    let app = spawn_app().await;
    let id = app.apply("hanako", &my_number("12345678901")).await;
    let token = app.token(Role::Applicant, "hanako");
    let case = format!("/portal/registrations/{id}");

    // The link in the mail, opened without a session.
    let r = portal_get(&app, &format!("{case}?lang=en"), "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    let form = portal_get(&app, &login, "").await;
    assert_eq!(form.status(), 200);
    let page = form.text().await.unwrap();
    let hidden = format!("name=\"next\" value=\"{case}?lang=en\"");
    assert!(page.contains(&hidden), "{page}");
    let r = portal_sign_in_to(&app, &token, &format!("{case}?lang=en")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("{case}?lang=en").as_str());
    let session = format!(
        "shikaku_portal={}",
        value(&set_cookie(&r, "shikaku_portal").expect("a session"))
    );
    assert_eq!(
        portal_get(&app, &case, &session).await.status(),
        StatusCode::OK
    );

    // Anything but a portal page of this site lands on the holder's own page.
    for elsewhere in [
        "https://evil.example/portal",
        "//evil.example/portal",
        "/\\evil.example",
        "/portal//evil.example",
        "javascript:alert(1)",
        "/console/queue",
        "/portal/logout",
        "/portal\r\nLocation: https://evil.example",
    ] {
        let r = portal_sign_in_to(&app, &token, elsewhere).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{elsewhere}");
        assert_eq!(r.headers()["location"], "/portal", "{elsewhere}");
        let r = portal_get(
            &app,
            reqwest::Url::parse_with_params(
                &format!("{}/portal/login", app.base),
                &[("next", elsewhere)],
            )
            .unwrap()
            .as_str(),
            &session,
        )
        .await;
        assert_eq!(r.headers()["location"], "/portal", "{elsewhere}");
        let page = portal_get(
            &app,
            reqwest::Url::parse_with_params(
                &format!("{}/portal/login", app.base),
                &[("next", elsewhere)],
            )
            .unwrap()
            .as_str(),
            "",
        )
        .await
        .text()
        .await
        .unwrap();
        assert!(!page.contains("name=\"next\""), "{elsewhere}: {page}");
    }
    // Signed in already, the sign-in page goes straight to the page asked for.
    let r = portal_get(&app, &login, &session).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("{case}?lang=en").as_str());
    // A form posted without a session is not returned to.
    let r = browser()
        .post(format!("{}{case}/withdraw", app.base))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/portal/login");
}
