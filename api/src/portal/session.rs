//! The applicant's session: the console's signed cookie (see
//! [`crate::console::session`]) under its own name, path and signing purpose,
//! so a console cookie is never a portal session and the other way round.
//! Sign-out goes through the same revocation table.

use actix_web::{web, FromRequest, HttpRequest};
use domain::Role;

use super::PortalError;
use crate::console::session::{cookie, cookie_header_at, Session};
use crate::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "shikaku_portal";
/// The sign-in form's CSRF cookie (before any session exists).
pub const LOGIN_COOKIE: &str = "shikaku_portal_login";
const PURPOSE: &str = "portal-session-v1";

/// A Set-Cookie header for the portal.
pub fn cookie_header(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    cookie_header_at(state, "/portal", name, value, max_age)
}

/// The Set-Cookie header that stores `session`.
pub fn set_cookie(state: &AppState, session: &Session) -> String {
    let max_age = (session.exp - chrono::Utc::now().timestamp()).max(0);
    cookie_header(
        state,
        SESSION_COOKIE,
        &session.seal_for(state, PURPOSE),
        max_age,
    )
}

/// The applicant's session of a request, when it has a valid one.
pub fn current(req: &HttpRequest) -> Option<Session> {
    let state = req.app_data::<web::Data<AppState>>()?;
    Session::open_for(state, cookie(req, SESSION_COOKIE)?, PURPOSE)
        .filter(|s| s.role == Role::Applicant)
}

/// Extracts the signed-in applicant, or sends the browser to the sign-in page.
pub struct Holder(pub Session);

impl FromRequest for Holder {
    type Error = PortalError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            // A page asked for without a session (a link in a mail) is
            // where the sign-in returns to; a form's target is not a page.
            let sign_in = || PortalError::SignIn {
                next: (req.method() == actix_web::http::Method::GET).then(|| {
                    match req.query_string() {
                        "" => req.path().to_owned(),
                        query => format!("{}?{query}", req.path()),
                    }
                }),
            };
            let session = current(&req).ok_or_else(sign_in)?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| PortalError::Internal("no state".into()))?;
            let ended = crate::console::revocation::ended(&state.pool, &session)
                .await
                .map_err(|e| PortalError::Internal(e.to_string()))?;
            if ended {
                return Err(sign_in());
            }
            Ok(Holder(session))
        })
    }
}
