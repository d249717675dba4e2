//! The applicant portal: server-rendered pages under `/portal` where an
//! applicant applies, pays, answers information requests, withdraws, files
//! changes, re-issues and deletions, downloads their certificate and reads
//! their inbox. Same stack as the console (askama, the vendored htmx, a
//! strict CSP, Japanese by default); every action is a use case of
//! [`crate::application`], as the API's handlers are.

mod acts;
mod apply;
mod case_page;
mod home;
mod login;
pub mod session;
mod words;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::console::i18n::Lang;
pub use words::Words;

/// Why a portal page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// No session: to the sign-in page, then back to `next` (a GET's own path).
    #[error("sign in first")]
    SignIn { next: Option<String> },
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Internal(String),
}

impl From<crate::error::ApiError> for PortalError {
    fn from(e: crate::error::ApiError) -> Self {
        match e {
            crate::error::ApiError::NotFound => PortalError::NotFound,
            other => PortalError::Internal(other.to_string()),
        }
    }
}

impl From<crate::application::Error> for PortalError {
    fn from(e: crate::application::Error) -> Self {
        crate::error::ApiError::from(e).into()
    }
}

impl From<askama::Error> for PortalError {
    fn from(e: askama::Error) -> Self {
        PortalError::Internal(format!("template: {e}"))
    }
}

impl ResponseError for PortalError {
    fn status_code(&self) -> StatusCode {
        match self {
            PortalError::SignIn { .. } => StatusCode::SEE_OTHER,
            PortalError::NotFound => StatusCode::NOT_FOUND,
            PortalError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // No request here, so these few words come in both languages.
        let page = |title: &str| {
            format!(
                "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{title}</title>\
                 <link rel=\"stylesheet\" href=\"/console/assets/console.css\"></head>\
                 <body><main id=\"main\"><h1>{title}</h1><p><a href=\"/portal\">マイページ / My page</a></p></main></body></html>"
            )
        };
        match self {
            PortalError::SignIn { next } => HttpResponse::SeeOther()
                .insert_header(("Location", login::login_href(next.as_deref())))
                .finish(),
            PortalError::NotFound => HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .body(page("見つかりません / Not found")),
            PortalError::Internal(e) => {
                tracing::error!(error = %e, "portal page failed");
                HttpResponse::InternalServerError()
                    .content_type("text/html; charset=utf-8")
                    .body(page("エラーが発生しました / Something went wrong"))
            }
        }
    }
}

/// The frame of every portal page: the words, who is signed in, the language switch.
pub struct Frame {
    pub t: Words,
    /// The sign-out form's CSRF token, when signed in.
    pub csrf: Option<String>,
    /// The current page in the other language.
    pub lang_href: String,
}

impl Frame {
    /// The frame for a request and its session.
    pub fn new(req: &HttpRequest, session: Option<&crate::console::session::Session>) -> Self {
        let chrome = crate::console::view::Chrome::new(req, None);
        Self {
            t: Words(Lang::of(req)),
            csrf: session.map(|s| s.csrf.clone()),
            lang_href: chrome.lang_href,
        }
    }
}

/// Renders a portal page with a status, remembering an explicit language choice.
pub fn html(
    req: &HttpRequest,
    status: StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, PortalError> {
    let body = page.render()?;
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'",
        ));
    if let Some(cookie) = Lang::remembered_at(req, "/portal") {
        response.append_header(("Set-Cookie", cookie));
    }
    Ok(response.body(body))
}

/// A redirect after a form (POST, then GET).
pub fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

async fn home_redirect() -> HttpResponse {
    see_other("/portal".into())
}

/// Every portal route, mounted at `/portal` by [`crate::app`].
pub fn scope() -> actix_web::Scope {
    web::scope("/portal")
        .route("", web::get().to(home::show))
        .route("/", web::get().to(home_redirect))
        .route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::sign_in))
        .route("/logout", web::post().to(login::sign_out))
        .route("/inbox", web::get().to(home::inbox))
        .route("/apply", web::get().to(apply::form))
        .route("/apply", web::post().to(apply::submit))
        .route("/{case_type}/{id}", web::get().to(case_page::show))
        .route("/{case_type}/{id}/withdraw", web::post().to(acts::withdraw))
        .route("/{case_type}/{id}/respond", web::post().to(acts::respond))
        .route(
            "/registrations/{id}/change-requests",
            web::post().to(acts::file_change),
        )
        .route(
            "/registrations/{id}/certificate.pdf",
            web::get().to(acts::certificate_pdf),
        )
        .route(
            "/registrations/{id}/certificate.svg",
            web::get().to(acts::certificate_svg),
        )
}
