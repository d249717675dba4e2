//! Sign-in with a development token (`shikaku token`), and sign-out.
//! Only examiners and senior examiners get a session.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use domain::Role;
use serde::Deserialize;

use super::session::{
    cookie_header, current, open, random_token, Refused, SignInForm, LOGIN_COOKIE, SESSION_COOKIE,
};
use super::view::{html, Chrome};
use super::ConsoleError;
use crate::AppState;

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    error: Option<&'static str>,
}

/// The sign-in form posted to `/console/login`.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

/// The sign-in form. Its CSRF token sits in a short-lived cookie, since no
/// session exists yet (double submit).
pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    if current(&req).is_some() && !req.query_string().contains("expired") {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/console/queue"))
            .finish());
    }
    let expired = req.query_string().contains("expired=1");
    render(
        &state,
        &req,
        StatusCode::OK,
        expired.then_some("session_expired"),
    )
}

fn render(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, ConsoleError> {
    let csrf = random_token();
    let page = LoginPage {
        chrome: Chrome::new(req, None),
        csrf: csrf.clone(),
        error,
    };
    let mut response = html(req, status, &page)?;
    response.headers_mut().append(
        actix_web::http::header::SET_COOKIE,
        cookie_header(state, LOGIN_COOKIE, &csrf, 1800)
            .parse()
            .map_err(|_| ConsoleError::Internal("cookie header".into()))?,
    );
    Ok(response)
}

/// Checks the token and opens a session.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ConsoleError> {
    let form = SignInForm {
        login_cookie: LOGIN_COOKIE,
        token: &form.token,
        csrf: &form.csrf,
    };
    let session = match open(&state, &req, form, Role::is_examiner, "login_refused").await {
        Ok(session) => session,
        Err(Refused(status, error)) => return render(&state, &req, status, Some(error)),
    };
    tracing::info!(examiner = %session.sub, "console sign-in");
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/console/queue"))
        .append_header(("Set-Cookie", session.set_cookie(&state)))
        .append_header(("Set-Cookie", cookie_header(&state, LOGIN_COOKIE, "", 0)))
        .finish())
}

/// The sign-out form: its CSRF token only.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Ends the session in this browser.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, ConsoleError> {
    if let Some(session) = current(&req) {
        if !session.csrf_ok(&form.csrf) {
            return render(&state, &req, StatusCode::FORBIDDEN, Some("csrf_failed"));
        }
        // A copy of the cookie must not outlive the sign-out.
        super::revocation::end(&state.pool, &session)
            .await
            .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/console/login"))
        .append_header(("Set-Cookie", cookie_header(&state, SESSION_COOKIE, "", 0)))
        .finish())
}
