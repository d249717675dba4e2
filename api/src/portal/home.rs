//! The applicant's own page (their applications, registrations and requests)
//! and their inbox.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use views::change_status::{self, ChangeFilter};
use views::status::{self, StatusFilter};

use super::session::Holder;
use super::{html, Frame, PortalError};
use crate::AppState;

/// How many rows each list shows (an applicant has a handful of cases).
const ROWS: i64 = 100;

/// One case in a list.
pub struct Row {
    pub href: String,
    pub title: String,
    pub status: &'static str,
    pub submitted: String,
    pub registration_number: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    frame: Frame,
    registrations: Vec<Row>,
    requests: Vec<Row>,
}

/// The qualification's name in the page's language.
pub fn qualification_name(state: &AppState, t: &super::Words, code: &str) -> String {
    match state.catalogue.qualification(code) {
        Some(q) if t.code() == "en" => q.name_en.clone(),
        Some(q) => q.name_ja.clone(),
        None => code.to_owned(),
    }
}

/// `GET /portal`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
) -> Result<HttpResponse, PortalError> {
    let session = holder.0;
    let frame = Frame::new(&req, Some(&session));
    let t = frame.t;
    let internal = |e: eventstore::ProjectionError| PortalError::Internal(e.to_string());
    let filter = StatusFilter {
        owner: Some(session.sub.clone()),
        limit: ROWS,
        ..StatusFilter::default()
    };
    let registrations = status::list(&state.pool, &filter)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| Row {
            href: format!("/portal/registrations/{}", r.id),
            title: format!(
                "{}（{}）",
                qualification_name(&state, &t, &r.qualification_code),
                t.get("NEW_REGISTRATION")
            ),
            status: r.status.as_str(),
            submitted: t.time(r.submitted_at),
            registration_number: r.registration_number,
        })
        .collect();
    let filter = ChangeFilter {
        party: Some(session.sub.clone()),
        limit: ROWS,
        ..ChangeFilter::default()
    };
    let requests = change_status::list(&state.pool, &filter)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| Row {
            href: format!("/portal/change-requests/{}", r.id),
            title: format!(
                "{}（{}）",
                qualification_name(&state, &t, &r.qualification_code),
                t.get(r.kind.as_str())
            ),
            status: r.status.as_str(),
            submitted: t.time(r.submitted_at),
            registration_number: None,
        })
        .collect();
    let page = HomePage {
        frame,
        registrations,
        requests,
    };
    html(&req, StatusCode::OK, &page)
}

/// One notice of the inbox.
pub struct NoticeRow {
    pub subject: String,
    pub body: String,
    pub sent: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "portal/inbox.html")]
struct InboxPage {
    frame: Frame,
    notices: Vec<NoticeRow>,
}

/// `GET /portal/inbox`: the notices the office sent, newest first, with the mail's text.
pub async fn inbox(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
) -> Result<HttpResponse, PortalError> {
    let session = holder.0;
    let t = Frame::new(&req, Some(&session)).t;
    let rows = workers::notification::inbox::list(&state.pool, &session.sub, None, ROWS)
        .await
        .map_err(|e| PortalError::Internal(e.to_string()))?;
    let notices = rows
        .into_iter()
        .map(|n| NoticeRow {
            subject: n.subject,
            body: n.body,
            sent: t.time(n.created_at),
            href: format!("/portal/{}/{}", n.case_type.path(), n.case_id),
        })
        .collect();
    let page = InboxPage {
        frame: Frame::new(&req, Some(&session)),
        notices,
    };
    html(&req, StatusCode::OK, &page)
}
