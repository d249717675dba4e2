//! Signing in to the portal with a token of the identity provider (a
//! development token from `shikaku token --role applicant` in development),
//! and signing out. Only applicants get a session.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use domain::Role;
use serde::Deserialize;

use super::session::{cookie_header, current, set_cookie, LOGIN_COOKIE, SESSION_COOKIE};
use super::{html, see_other, Frame, PortalError};
use crate::console::session::{cookie, random_token, token_expiry, Session, MAX_SESSION_SECONDS};
use crate::AppState;

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    frame: Frame,
    csrf: String,
    error: Option<&'static str>,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

/// `GET /portal/login`.
pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PortalError> {
    if current(&req).is_some() {
        return Ok(see_other("/portal".into()));
    }
    render(&state, &req, StatusCode::OK, None)
}

fn render(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, PortalError> {
    let csrf = random_token();
    let page = LoginPage {
        frame: Frame::new(req, None),
        csrf: csrf.clone(),
        error,
    };
    let mut response = html(req, status, &page)?;
    response.headers_mut().append(
        actix_web::http::header::SET_COOKIE,
        cookie_header(state, LOGIN_COOKIE, &csrf, 1800)
            .parse()
            .map_err(|_| PortalError::Internal("cookie header".into()))?,
    );
    Ok(response)
}

/// `POST /portal/login`: checks the token and opens a session.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PortalError> {
    let expected = cookie(&req, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return render(&state, &req, StatusCode::FORBIDDEN, Some("csrf_failed"));
    }
    let Ok(crate::auth::Caller(actor, _)) = state.auth.authenticate(form.token.trim()).await else {
        return render(
            &state,
            &req,
            StatusCode::UNAUTHORIZED,
            Some("login_invalid"),
        );
    };
    if actor.role != Role::Applicant {
        return render(
            &state,
            &req,
            StatusCode::FORBIDDEN,
            Some("portal_login_refused"),
        );
    }
    let now = Utc::now().timestamp();
    let exp = token_expiry(form.token.trim())
        .unwrap_or(now)
        .min(now + MAX_SESSION_SECONDS);
    let session = Session::new(actor, exp);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/portal"))
        .append_header(("Set-Cookie", set_cookie(&state, &session)))
        .append_header(("Set-Cookie", cookie_header(&state, LOGIN_COOKIE, "", 0)))
        .finish())
}

/// The sign-out form: its CSRF token only.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /portal/logout`: ends the session, even in a copied cookie.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, PortalError> {
    if let Some(session) = current(&req) {
        if !session.csrf_ok(&form.csrf) {
            return render(&state, &req, StatusCode::FORBIDDEN, Some("csrf_failed"));
        }
        crate::console::revocation::end(&state.pool, &session)
            .await
            .map_err(|e| PortalError::Internal(e.to_string()))?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/portal/login"))
        .append_header(("Set-Cookie", cookie_header(&state, SESSION_COOKIE, "", 0)))
        .finish())
}
