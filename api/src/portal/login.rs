//! Signing in to the portal with a token of the identity provider (a
//! development token from `shikaku token --role applicant` in development),
//! and signing out. Only applicants get a session. A page asked for before
//! signing in (a link in a mail) is where the sign-in returns to, when it is
//! a portal page of this site.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use domain::Role;
use serde::Deserialize;

use super::session::{cookie_header, current, set_cookie, LOGIN_COOKIE, SESSION_COOKIE};
use super::{html, see_other, Frame, PortalError};
use crate::console::session::{open, random_token, Refused, SignInForm};
use crate::AppState;

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    frame: Frame,
    csrf: String,
    error: Option<&'static str>,
    /// The page to return to after signing in.
    next: Option<String>,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// The sign-in page's query: where to return (other parameters, such as
/// `lang`, are the frame's).
#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The longest return path kept.
const MAX_NEXT: usize = 2048;

/// `next` if it is a portal page of this site: a relative path under
/// `/portal` (never `//host`, a scheme, a backslash or a control character,
/// which a browser could read as another site), and not the sign-in itself.
pub fn safe_next(next: &str) -> Option<&str> {
    let rest = next.strip_prefix("/portal")?;
    let page = rest.is_empty() || rest.starts_with('/') || rest.starts_with('?');
    let plain = !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    let sign_in = ["/login", "/logout"].iter().any(|p| {
        rest.strip_prefix(p)
            .is_some_and(|r| r.is_empty() || r.starts_with(['?', '/']))
    });
    (page && plain && !sign_in && next.len() <= MAX_NEXT).then_some(next)
}

/// The sign-in page, returning to `next` when it is a safe portal page.
pub fn login_href(next: Option<&str>) -> String {
    match next.and_then(safe_next).filter(|n| *n != "/portal") {
        Some(next) => format!(
            "/portal/login?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        ),
        None => "/portal/login".to_owned(),
    }
}

/// `GET /portal/login`.
pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PortalError> {
    let next = safe_next(&query.next).map(str::to_owned);
    if current(&req).is_some() {
        return Ok(see_other(next.unwrap_or_else(|| "/portal".into())));
    }
    render(&state, &req, StatusCode::OK, None, next)
}

fn render(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<&'static str>,
    next: Option<String>,
) -> Result<HttpResponse, PortalError> {
    let csrf = random_token();
    let page = LoginPage {
        frame: Frame::new(req, None),
        csrf: csrf.clone(),
        error,
        next,
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
    let next = safe_next(&form.next).map(str::to_owned);
    let form = SignInForm {
        login_cookie: LOGIN_COOKIE,
        token: &form.token,
        csrf: &form.csrf,
    };
    let applicant = |role| role == Role::Applicant;
    let session = match open(&state, &req, form, applicant, "portal_login_refused").await {
        Ok(session) => session,
        Err(Refused(status, error)) => return render(&state, &req, status, Some(error), next),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", next.unwrap_or_else(|| "/portal".into())))
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
            return render(
                &state,
                &req,
                StatusCode::FORBIDDEN,
                Some("csrf_failed"),
                None,
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_portal_pages_of_this_site_are_returned_to() {
        for page in [
            "/portal",
            "/portal/inbox",
            "/portal/registrations/0b6f4ad0-5b39-4e5c-9a57-3f1f1a8e2f10",
            "/portal/registrations/x?lang=en",
            "/portal?lang=en",
        ] {
            assert_eq!(safe_next(page), Some(page), "{page}");
        }
        for elsewhere in [
            "",
            "https://evil.example/portal",
            "//evil.example/portal",
            "/portal//evil.example",
            "/\\evil.example",
            "/portal\\..\\evil",
            "javascript:alert(1)",
            "/console/queue",
            "/portalx",
            "/portal/login",
            "/portal/login?next=/portal",
            "/portal/logout",
            "/portal/inbox\r\nSet-Cookie: x=1",
            "portal/inbox",
        ] {
            assert_eq!(safe_next(elsewhere), None, "{elsewhere}");
        }
        assert_eq!(
            login_href(Some("/portal/inbox")),
            "/portal/login?next=%2Fportal%2Finbox"
        );
        assert_eq!(login_href(Some("/portal")), "/portal/login");
        assert_eq!(login_href(Some("//evil.example")), "/portal/login");
        assert_eq!(login_href(None), "/portal/login");
    }
}
