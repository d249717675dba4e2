//! Console sign-in: a session in a signed cookie, and the CSRF token every
//! form carries.
//!
//! Why a signed cookie rather than a sessions table: the API processes are
//! stateless and scale out against one Postgres; a cookie signed with the
//! token secret (HMAC-SHA256, its own purpose label) needs no table, no
//! clean-up job and no database round trip per page, which keeps the queue
//! page fast. The cost is that a copied cookie stays valid until it expires,
//! so sessions are short (8 hours at most, never beyond the token's own
//! expiry), HttpOnly, SameSite=Strict and Secure behind https, and each
//! page asks [`super::revocation`] whether it was signed out or revoked (one
//! indexed look-up).

use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use domain::{Actor, Role};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "shikaku_console";
/// The cookie holding the sign-in form's CSRF token (before any session exists).
pub const LOGIN_COOKIE: &str = "shikaku_console_login";
/// The longest a session lasts.
pub const MAX_SESSION_SECONDS: i64 = 8 * 3600;
const PURPOSE: &str = "console-session-v1";

/// A signed-in examiner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    pub sub: String,
    pub role: Role,
    /// Unix time after which the session is refused.
    pub exp: i64,
    /// The CSRF token of this session's forms.
    pub csrf: String,
    /// This session's id, which sign-out revokes.
    pub sid: String,
    /// When it began (Unix milliseconds): an administrator's revocation ends
    /// the sessions that began before it.
    pub began_ms: i64,
}

impl Session {
    /// A new session for an examiner, with a fresh CSRF token.
    pub fn new(actor: Actor, exp: i64) -> Self {
        Self {
            sub: actor.id,
            role: actor.role,
            exp,
            csrf: random_token(),
            sid: random_token(),
            began_ms: Utc::now().timestamp_millis(),
        }
    }

    /// The person acting.
    pub fn actor(&self) -> Actor {
        Actor::new(self.sub.clone(), self.role)
    }

    /// Checks a submitted CSRF token against the session's, in constant time.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), submitted.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The signed cookie value.
    pub fn seal(&self, state: &AppState) -> String {
        self.seal_for(state, PURPOSE)
    }

    /// The cookie value signed for `purpose` (the console's or the portal's),
    /// so a cookie of one is never a session of the other.
    pub fn seal_for(&self, state: &AppState, purpose: &str) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("session serialises"));
        let tag = URL_SAFE_NO_PAD.encode(state.tokens.tag(purpose, body.as_bytes()));
        format!("{body}.{tag}")
    }

    /// Opens a cookie value: signature first, then expiry.
    pub fn open(state: &AppState, value: &str) -> Option<Session> {
        Self::open_for(state, value, PURPOSE).filter(|s| s.role.is_examiner())
    }

    /// Opens a cookie value signed for `purpose`; the caller checks the role.
    pub fn open_for(state: &AppState, value: &str, purpose: &str) -> Option<Session> {
        let (body, tag) = value.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !state.tokens.verify_tag(purpose, body.as_bytes(), &tag) {
            return None;
        }
        let session: Session = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        (session.exp > Utc::now().timestamp()).then_some(session)
    }

    /// The Set-Cookie header that stores this session.
    pub fn set_cookie(&self, state: &AppState) -> String {
        let max_age = (self.exp - Utc::now().timestamp()).max(0);
        cookie_header(state, SESSION_COOKIE, &self.seal(state), max_age)
    }
}

/// A Set-Cookie header for the console: HttpOnly, SameSite=Strict, Secure behind https.
pub fn cookie_header(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    cookie_header_at(state, "/console", name, value, max_age)
}

/// A Set-Cookie header for the pages under `path` (the console or the portal).
pub fn cookie_header_at(
    state: &AppState,
    path: &str,
    name: &str,
    value: &str,
    max_age: i64,
) -> String {
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// A random URL-safe token (CSRF tokens).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The value of a request cookie (actix's cookie feature is off: one header is enough).
pub fn cookie<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all("cookie")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session of a request, when it has a valid one.
pub fn current(req: &HttpRequest) -> Option<Session> {
    let state = req.app_data::<web::Data<AppState>>()?;
    Session::open(state, cookie(req, SESSION_COOKIE)?)
}

/// Extracts the signed-in examiner, or sends the browser to the sign-in page.
pub struct SignedIn(pub Session);

impl FromRequest for SignedIn {
    type Error = super::ConsoleError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let sign_in = super::ConsoleError::SignIn {
                expired: cookie(&req, SESSION_COOKIE).is_some(),
            };
            let session = current(&req).ok_or(sign_in)?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| super::ConsoleError::Internal("no state".into()))?;
            let ended = super::revocation::ended(&state.pool, &session)
                .await
                .map_err(|e| super::ConsoleError::Internal(e.to_string()))?;
            if ended {
                return Err(super::ConsoleError::SignIn { expired: true });
            }
            Ok(SignedIn(session))
        })
    }
}

/// Why a sign-in form was refused: the answer's status and the sign-in
/// page's error key.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub actix_web::http::StatusCode, pub &'static str);

/// A sign-in form, as the console's and the portal's login pages post it.
pub struct SignInForm<'a> {
    /// The cookie holding the form's CSRF token (double submit).
    pub login_cookie: &'static str,
    /// The identity provider's token.
    pub token: &'a str,
    /// The CSRF token the form carried.
    pub csrf: &'a str,
}

/// Checks a sign-in form (the CSRF token first, then the bearer token) and
/// opens a session for a role `admitted` lets in, refused with `refused`
/// for any other; the session ends with the token, and within 8 hours.
pub async fn open(
    state: &AppState,
    req: &HttpRequest,
    form: SignInForm<'_>,
    admitted: fn(Role) -> bool,
    refused: &'static str,
) -> Result<Session, Refused> {
    use actix_web::http::StatusCode;
    let expected = cookie(req, form.login_cookie).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return Err(Refused(StatusCode::FORBIDDEN, "csrf_failed"));
    }
    let token = form.token.trim();
    let Ok(crate::auth::Caller(actor, _)) = state.auth.authenticate(token).await else {
        return Err(Refused(StatusCode::UNAUTHORIZED, "login_invalid"));
    };
    if !admitted(actor.role) {
        return Err(Refused(StatusCode::FORBIDDEN, refused));
    }
    let now = Utc::now().timestamp();
    let exp = token_expiry(token)
        .unwrap_or(now)
        .min(now + MAX_SESSION_SECONDS);
    Ok(Session::new(actor, exp))
}

/// The expiry a token carries, read after the token was verified.
pub fn token_expiry(token: &str) -> Option<i64> {
    let body = token.split('.').nth(1)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    claims.get("exp")?.as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_compares_whole_tokens() {
        let s = Session::new(Actor::new("ex", Role::Examiner), 0);
        assert!(s.csrf_ok(&s.csrf.clone()));
        assert!(!s.csrf_ok(""));
        assert!(!s.csrf_ok(&s.csrf[..10]));
    }
}
