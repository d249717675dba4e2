//! The examiner console: server-rendered pages under `/console` over the same
//! command buses and views as the API. Askama templates live in
//! `api/templates/console/`; the only script is a vendored, pinned htmx.

mod actions;
mod case_page;
mod case_view;
mod document;
mod entry;
pub mod i18n;
mod login;
mod queue_page;
pub mod revocation;
mod sanction_view;
mod scan;
pub mod session;
pub mod system_note;
mod timeline;
pub(crate) mod view;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};

/// The pinned htmx release served at `/console/assets/htmx-<version>.min.js`.
pub const HTMX_VERSION: &str = "2.0.11";
const HTMX: &[u8] = include_bytes!("../../assets/htmx-2.0.11.min.js");
const CSS: &str = include_str!("../../assets/console.css");

/// Why a console page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("sign in first")]
    SignIn { expired: bool },
    #[error("not found")]
    NotFound,
    /// A document of a case the viewer may not act on.
    #[error("not on this case")]
    NotOnTheCase,
    #[error("{0}")]
    Internal(String),
}

impl From<crate::error::ApiError> for ConsoleError {
    fn from(e: crate::error::ApiError) -> Self {
        match e {
            crate::error::ApiError::NotFound => ConsoleError::NotFound,
            other => ConsoleError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for ConsoleError {
    fn from(e: askama::Error) -> Self {
        ConsoleError::Internal(format!("template: {e}"))
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn { .. } => StatusCode::SEE_OTHER,
            ConsoleError::NotFound => StatusCode::NOT_FOUND,
            ConsoleError::NotOnTheCase => StatusCode::FORBIDDEN,
            ConsoleError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // No request here, so these few words come in both languages.
        let page = |title: &str| {
            format!(
                "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{title}</title>\
                 <link rel=\"stylesheet\" href=\"/console/assets/console.css\"></head>\
                 <body><main id=\"main\"><h1>{title}</h1><p><a href=\"/console/queue\">審査キュー / Queue</a></p></main></body></html>"
            )
        };
        match self {
            ConsoleError::SignIn { expired } => HttpResponse::SeeOther()
                .insert_header((
                    "Location",
                    if *expired {
                        "/console/login?expired=1"
                    } else {
                        "/console/login"
                    },
                ))
                .finish(),
            ConsoleError::NotFound => HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .body(page("見つかりません / Not found")),
            ConsoleError::NotOnTheCase => HttpResponse::Forbidden()
                .content_type("text/html; charset=utf-8")
                .body(page(
                    "この案件の書類は担当審査官のみが開けます / Only the examiners on this case may open its documents",
                )),
            ConsoleError::Internal(e) => {
                tracing::error!(error = %e, "console page failed");
                HttpResponse::InternalServerError()
                    .content_type("text/html; charset=utf-8")
                    .body(page("エラーが発生しました / Something went wrong"))
            }
        }
    }
}

async fn htmx() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(HTMX)
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(CSS)
}

async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/console/queue"))
        .finish()
}

/// Every console route, mounted at `/console` by [`crate::app`].
pub fn scope() -> actix_web::Scope {
    web::scope("/console")
        .route("", web::get().to(home))
        .route("/", web::get().to(home))
        .route(
            &format!("/assets/htmx-{HTMX_VERSION}.min.js"),
            web::get().to(htmx),
        )
        .route("/assets/console.css", web::get().to(css))
        .route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::sign_in))
        .route("/logout", web::post().to(login::sign_out))
        .route("/queue", web::get().to(queue_page::show))
        .route("/cases/{case_type}/{id}", web::get().to(case_page::show))
        .route(
            "/cases/{case_type}/{id}/record-response",
            web::post().to(scan::record_response),
        )
        .route(
            "/cases/{case_type}/{id}/{action}",
            web::post().to(actions::act),
        )
        .route(
            "/cases/{case_type}/{id}/attachments/{attachment_id}",
            web::get().to(document::show),
        )
        .route(
            "/paper/registrations",
            web::get().to(entry::registration_form),
        )
        .route(
            "/paper/registrations",
            web::post().to(entry::enter_registration),
        )
        .route("/sanctions", web::get().to(entry::sanction_form))
        .route("/sanctions", web::post().to(entry::open_sanction))
        .route("/paper/change-requests", web::get().to(entry::change_form))
        .route(
            "/paper/change-requests",
            web::post().to(entry::enter_change),
        )
}
