//! A case as its applicant sees it: status, fee and payment link, the
//! office's open request with the answer form, the certificate, the timeline,
//! and the actions the applicant may take. Read from the aggregate (never
//! stale), as the API's status resources are.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::change_request::ChangeRequest;
use domain::examination::{CaseStatus, Examination};
use domain::registration::QualificationRegistration;
use domain::sanction::Sanction;
use domain::{Actor, CaseKind};
use uuid::Uuid;

use super::home::qualification_name;
use super::session::Holder;
use super::{html, Frame, PortalError, Words};
use crate::console::session::Session;
use crate::payment::PaymentView;
use crate::AppState;

/// The case a portal page shows.
pub struct CaseView {
    pub href: String,
    pub id: Uuid,
    pub title: String,
    pub status: &'static str,
    /// The reason of an open request or of a rejection, in words.
    pub reason: Option<String>,
    pub submitted: String,
    pub due: String,
    /// The fee in yen with separators; empty when free.
    pub fee: String,
    pub payment_status: &'static str,
    pub checkout_url: Option<String>,
    /// Awaiting payment, the checkout not opened yet.
    pub pay_pending: bool,
    /// The office's open request: (reason in words, message).
    pub open_request: Option<(String, String)>,
    pub may_answer: bool,
    pub may_withdraw: bool,
    pub registration_number: Option<String>,
    pub registered_on: Option<String>,
    /// Registered: Some(issued?) for the certificate section.
    pub certificate: Option<bool>,
    /// The certificates and wallet credentials issued, newest first.
    pub held: Vec<HeldCredential>,
    /// The holder may file a change, re-issue or deletion.
    pub may_file: bool,
    /// For a change request, the registration's page.
    pub registration_href: Option<String>,
    /// (event in words, when).
    pub timeline: Vec<(String, String)>,
}

/// A certificate or wallet credential as the holder's page lists it.
pub struct HeldCredential {
    /// What it is, in words.
    pub kind: String,
    pub issued: String,
    /// VALID, SUSPENDED, INVALID or EXPIRED (the row's class).
    pub status: &'static str,
    /// The status in words.
    pub standing: String,
}

#[derive(Template)]
#[template(path = "portal/case.html")]
pub struct CasePage {
    pub frame: Frame,
    pub case: CaseView,
    pub csrf: String,
    /// A success message after an action.
    pub notice: Option<&'static str>,
    /// A refusal, in words.
    pub error: Option<String>,
    /// The kinds of request the holder may file (value, words).
    pub kinds: Vec<(&'static str, String)>,
}

/// The kind of a path segment, or 404.
pub fn kind_of(segment: &str) -> Result<CaseKind, PortalError> {
    CaseKind::from_path(segment).ok_or(PortalError::NotFound)
}

fn yen(amount: i64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What every kind of case shows alike.
fn common(t: &Words, kind: CaseKind, id: Uuid, exam: &Examination, mine: bool) -> CaseView {
    let payment = PaymentView::of(exam);
    let awaiting = exam.status == CaseStatus::AwaitingPayment && !exam.paid;
    let reason = match exam.status {
        CaseStatus::ActionRequired => exam.open_request.as_ref().map(|r| r.0.clone()),
        CaseStatus::Rejected => exam.rejection_reason.clone(),
        _ => None,
    };
    CaseView {
        href: format!("/portal/{}/{id}", kind.path()),
        id,
        title: String::new(),
        status: exam.status.as_str(),
        reason: reason.map(|r| t.get(&r).to_owned()),
        submitted: String::new(),
        due: String::new(),
        fee: if exam.fee.total() > 0 {
            yen(exam.fee.total())
        } else {
            String::new()
        },
        payment_status: exam.payment_status(),
        pay_pending: awaiting && payment.checkout_url.is_none(),
        checkout_url: payment.checkout_url,
        open_request: exam
            .open_request
            .as_ref()
            .filter(|_| exam.status == CaseStatus::ActionRequired)
            .map(|(code, message)| {
                (
                    t.get(code).to_owned(),
                    crate::console::system_note::in_words(t.0, message),
                )
            }),
        may_answer: mine && exam.status == CaseStatus::ActionRequired,
        may_withdraw: mine && !exam.status.is_decided(),
        registration_number: None,
        registered_on: None,
        certificate: None,
        held: Vec::new(),
        may_file: false,
        registration_href: None,
        timeline: Vec::new(),
    }
}

fn when(t: &Words, at: Option<DateTime<Utc>>) -> String {
    at.map(|at| t.time(at)).unwrap_or_default()
}

/// Loads the case `id` of `kind` if `viewer` is a party to it (else 404).
pub async fn load(
    state: &AppState,
    t: &Words,
    kind: CaseKind,
    id: Uuid,
    viewer: &Actor,
) -> Result<CaseView, PortalError> {
    let me = Some(viewer.id.as_str());
    let (mut view, aggregate_type) = match kind {
        CaseKind::Registration => {
            let (reg, _) = crate::registration::visible(state, id, viewer).await?;
            let mut v = common(t, kind, id, &reg.examination, true);
            v.title = format!(
                "{}（{}）",
                qualification_name(state, t, &reg.qualification_code),
                t.get("NEW_REGISTRATION")
            );
            v.status = reg.status().as_str();
            v.submitted = when(t, reg.submitted_at);
            v.due = when(t, reg.due_at);
            v.registration_number = reg.registration_number.clone();
            v.registered_on = reg.registered_on.map(|d| t.date(d));
            let registered = reg.status() == CaseStatus::Registered;
            v.certificate =
                registered.then_some(reg.certificate.is_some() && !reg.certificate_revoked);
            v.may_file = registered;
            v.held = held(state, t, id, &reg).await?;
            (v, QualificationRegistration::TYPE)
        }
        CaseKind::ChangeRequest => {
            let (request, _) = state
                .cases
                .change_requests
                .load(&id.to_string())
                .await
                .map_err(crate::error::ApiError::from)?;
            let party = request.owner() == me || request.holder.as_deref() == me;
            if !request.exists() || !party {
                return Err(PortalError::NotFound);
            }
            let mine = request.owner() == me;
            let mut v = common(t, kind, id, &request.examination, mine);
            let procedure = request
                .details
                .as_ref()
                .map(|d| t.get(d.kind.as_str()))
                .unwrap_or_default();
            v.title = format!(
                "{}（{procedure}）",
                qualification_name(state, t, &request.qualification_code)
            );
            v.submitted = when(t, request.submitted_at);
            v.due = when(t, request.due_at);
            v.registration_href = request
                .registration_id
                .map(|r| format!("/portal/registrations/{r}"));
            (v, ChangeRequest::TYPE)
        }
        CaseKind::Sanction => {
            let (sanction, _) = state
                .cases
                .sanctions
                .load(&id.to_string())
                .await
                .map_err(crate::error::ApiError::from)?;
            if !sanction.exists() || sanction.holder.as_deref() != me {
                return Err(PortalError::NotFound);
            }
            // The holder answers the office's questions; the case is not
            // theirs to withdraw.
            let mut v = common(t, kind, id, &sanction.examination, true);
            v.may_withdraw = false;
            let procedure = sanction
                .details
                .as_ref()
                .map(|d| t.get(d.kind.procedure().as_str()))
                .unwrap_or_default();
            v.title = format!(
                "{}（{procedure}）",
                qualification_name(state, t, &sanction.qualification_code)
            );
            v.submitted = when(t, sanction.submitted_at);
            v.due = when(t, sanction.due_at);
            v.registration_href = sanction
                .registration_id
                .map(|r| format!("/portal/registrations/{r}"));
            (v, Sanction::TYPE)
        }
    };
    let history = eventstore::store::history(&state.pool, aggregate_type, &id.to_string())
        .await
        .map_err(|e| PortalError::Internal(e.to_string()))?;
    view.timeline = history
        .into_iter()
        // Flags are the office's notes, as in the API's applicant view.
        .filter(|h| !matches!(h.event_type.as_str(), "FlagRaised" | "FlagCleared"))
        .map(|h| (t.get(&h.event_type).to_owned(), t.time(h.recorded_at)))
        .collect();
    Ok(view)
}

/// The rows of the registration's certificates and wallet credentials.
async fn held(
    state: &AppState,
    t: &Words,
    id: Uuid,
    reg: &QualificationRegistration,
) -> Result<Vec<HeldCredential>, PortalError> {
    let all = crate::credential::standing::of_registration(state, id, reg).await?;
    let standing = |status: &str| t.get(&format!("standing_{status}")).to_owned();
    let mut rows: Vec<(DateTime<Utc>, HeldCredential)> = Vec::new();
    for c in all.certificates {
        let kind = if c.current {
            "digital_certificate_current"
        } else {
            "digital_certificate"
        };
        rows.push((
            c.issued_at,
            HeldCredential {
                kind: t.get(kind).to_owned(),
                issued: t.time(c.issued_at),
                status: c.status,
                standing: standing(c.status),
            },
        ));
    }
    for w in all.wallet_credentials {
        rows.push((
            w.issued_at,
            HeldCredential {
                kind: t.get("wallet_credential").to_owned(),
                issued: t.time(w.issued_at),
                status: w.status,
                standing: standing(w.status),
            },
        ));
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// Builds the page of a loaded case.
pub fn page(
    frame: Frame,
    case: CaseView,
    session: &Session,
    notice: Option<&'static str>,
    error: Option<String>,
) -> CasePage {
    let t = frame.t;
    let kinds = [
        "CHANGE_NAME",
        "CHANGE_ADDRESS",
        "CHANGE_DOMICILE",
        "REISSUE_CERTIFICATE",
        "DELETE_REGISTRATION",
    ]
    .into_iter()
    .map(|k| (k, t.get(k).to_owned()))
    .collect();
    CasePage {
        frame,
        case,
        csrf: session.csrf.clone(),
        notice,
        error,
        kinds,
    }
}

/// The notice a redirect after an action names (`?done=`).
fn notice(req: &HttpRequest) -> Option<&'static str> {
    let done = req
        .query_string()
        .split('&')
        .find_map(|p| p.strip_prefix("done="))?;
    Some(match done {
        "responded" => "responded",
        "withdrawn" => "withdrawn",
        "filed" => "filed",
        "submitted" => "submitted_notice",
        _ => "done",
    })
}

/// `GET /portal/{registrations|change-requests}/{id}`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    holder: Holder,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let (segment, id) = path.into_inner();
    let kind = kind_of(&segment)?;
    let id = Uuid::parse_str(&id).map_err(|_| PortalError::NotFound)?;
    let session = holder.0;
    let frame = Frame::new(&req, Some(&session));
    let case = load(&state, &frame.t, kind, id, &session.actor()).await?;
    let page = page(frame, case, &session, notice(&req), None);
    html(&req, StatusCode::OK, &page)
}
