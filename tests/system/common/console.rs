//! The examiner console as a browser sees it: no redirects followed, the
//! sign-in form with its CSRF cookie, and pages fetched with a cookie.

use reqwest::Response;

use super::TestApp;

/// A client that, like a test of a browser's view, follows no redirect.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs `path` of the app with `cookie`, following no redirect.
pub async fn console_get(app: &TestApp, path: &str, cookie: String) -> Response {
    browser()
        .get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// Signs in through the form; returns the answer to the POST.
pub async fn sign_in(app: &TestApp, token: &str) -> reqwest::Response {
    let http = browser();
    let form = http
        .get(format!("{}/console/login", app.base))
        .send()
        .await
        .unwrap();
    let cookie =
        set_cookie(&form, "shikaku_console_login").expect("sign-in form sets its CSRF cookie");
    let csrf = value(&cookie).to_owned();
    http.post(format!("{}/console/login", app.base))
        .header("cookie", format!("shikaku_console_login={csrf}"))
        .form(&[("token", token), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

/// The `name` cookie an answer sets, with its attributes.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// A Set-Cookie header's value.
pub fn value(header: &str) -> &str {
    header
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// The CSRF token a console page's forms carry.
pub fn csrf_field(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a CSRF token on the page")
        .to_owned()
}

/// Posts the console form `action` of the case `case` (e.g.
/// `sanctions/{id}`, `change-requests/{id}`) as `session`, at the version
/// the API reads for it now; the answer must be a success or a redirect.
pub async fn act_on_case(
    app: &TestApp,
    session: &str,
    case: &str,
    action: &str,
    fields: &[(&str, &str)],
) {
    let examiner = app.token(domain::Role::Examiner, "viewer");
    let read: serde_json::Value = app.get_json(&format!("/v1/{case}"), &examiner).await;
    let path = format!("/console/cases/{case}");
    let page = console_get(app, &path, session.to_owned())
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_field(&page);
    let version = read["version"].to_string();
    let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    form.extend_from_slice(fields);
    let r = browser()
        .post(format!("{}{path}/{action}", app.base))
        .header("cookie", session)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{action}: {}",
        r.status()
    );
}
