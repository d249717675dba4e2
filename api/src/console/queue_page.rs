//! The queue page: both case types by due date, filters, counts per status,
//! overdue cases marked, keyset paging.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use sqlx::Row;
use views::queue::{self, QueueFilter};

use super::i18n::Text;
use super::session::SignedIn;
use super::view::{html, jst, Choice, Chrome};
use super::ConsoleError;
use crate::{pagination, AppState};

/// The statuses a case can be in, in the order of the lifecycle.
pub const STATUSES: &[&str] = &[
    "SUBMITTED",
    "AWAITING_PAYMENT",
    "UNDER_EXAMINATION",
    "ACTION_REQUIRED",
    "APPROVED",
    "REGISTERED",
    "REJECTED",
    "WITHDRAWN",
    "DELETED",
];

const PAGE_SIZE: i64 = 25;

/// The queue's filters as the form sends them (empty means no filter).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueParams {
    status: String,
    qualification_code: String,
    assigned_to: String,
    mine: String,
    overdue: String,
    cursor: String,
}

struct Row_ {
    href: String,
    /// The start of the case id, enough to tell cases apart on screen.
    short_id: String,
    case_type: String,
    procedure: String,
    qualification: String,
    status: String,
    submitted: String,
    due: String,
    overdue: bool,
    assignee: Option<String>,
    flags: Vec<String>,
    /// The applicant's or holder's name.
    name: String,
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage {
    chrome: Chrome,
    statuses: Vec<Choice>,
    qualifications: Vec<Choice>,
    assigned_to: String,
    mine: bool,
    overdue: bool,
    counts: Vec<(String, i64)>,
    rows: Vec<Row_>,
    next_href: Option<String>,
    paged: bool,
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Cases per status, kept by a trigger on the queue view so the page never
/// counts a million rows.
async fn counts(state: &AppState) -> Result<Vec<(String, i64)>, ConsoleError> {
    let rows = sqlx::query("SELECT status, cases FROM examiner_queue_counts WHERE cases > 0")
        .fetch_all(&state.pool)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let mut counts: Vec<(String, i64)> = rows
        .into_iter()
        .map(|r| (r.get("status"), r.get("cases")))
        .collect();
    counts.sort_by_key(|(s, _)| STATUSES.iter().position(|x| x == s));
    Ok(counts)
}

/// `GET /console/queue`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, ConsoleError> {
    let session = signed_in.0;
    let p = params.into_inner();
    let chrome = Chrome::new(&req, Some(&session));
    let t: Text = chrome.t;
    let mine = !p.mine.is_empty();
    let overdue = !p.overdue.is_empty();
    let status = some(&p.status).filter(|s| STATUSES.contains(&s.as_str()));
    // The queue serves work: open cases unless a status or "all" is chosen.
    let all = p.status == "ALL";
    let filter = QueueFilter {
        open_only: status.is_none() && !all,
        status: status.as_deref().and_then(views::vocab::CaseStatus::parse),
        qualification_code: some(&p.qualification_code),
        procedure: None,
        assigned_to: if mine {
            Some(session.sub.clone())
        } else {
            some(&p.assigned_to)
        },
        overdue,
        // A cursor that does not parse starts again at the first page.
        after: pagination::decode(some(&p.cursor).as_deref()).unwrap_or(None),
        limit: PAGE_SIZE,
    };
    let now = Utc::now();
    let rows = queue::list(&state.pool, &filter, now)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let (rows, next_cursor) = pagination::page(rows, PAGE_SIZE, |r| (r.due_at, r.case_id));
    // The rows show names: recorded as reads before the page is served.
    let reader = crate::auth::Caller(
        domain::Actor::new(session.sub.clone(), session.role),
        crate::auth::Grant::default(),
    );
    let named: Vec<uuid::Uuid> = rows
        .iter()
        .filter(|r| r.name.is_some())
        .map(|r| r.case_id)
        .collect();
    crate::audit::record_names_shown(&state, &req, &reader, &named)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let counts = counts(&state).await?;
    let lang = t.code();
    let name = |code: &str| {
        state
            .catalogue
            .qualification(code)
            .map(|q| {
                if lang == "ja" {
                    q.name_ja.clone()
                } else {
                    q.name_en.clone()
                }
            })
            .unwrap_or_else(|| code.to_owned())
    };
    let rows = rows
        .into_iter()
        .map(|r| {
            let decided = r.status.is_decided();
            Row_ {
                href: format!("/console/cases/{}/{}", r.case_type.path(), r.case_id),
                short_id: r.case_id.simple().to_string()[..8].to_owned(),
                overdue: !decided && r.due_at < now,
                qualification: name(&r.qualification_code),
                submitted: jst(r.submitted_at),
                due: jst(r.due_at),
                flags: serde_json::from_value(r.flags).unwrap_or_default(),
                case_type: r.case_type.wire().to_owned(),
                procedure: r.procedure.as_str().to_owned(),
                status: r.status.as_str().to_owned(),
                assignee: r.assigned_to,
                name: r
                    .name
                    .map(|(family, given)| format!("{family} {given}"))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let next_href = next_cursor.map(|cursor| {
        let query = serde_urlencoded::to_string([
            ("status", p.status.as_str()),
            ("qualification_code", p.qualification_code.as_str()),
            ("assigned_to", p.assigned_to.as_str()),
            ("mine", p.mine.as_str()),
            ("overdue", p.overdue.as_str()),
            ("cursor", cursor.as_str()),
        ])
        .unwrap_or_default();
        format!("/console/queue?{query}")
    });
    let mut statuses = vec![
        Choice {
            value: String::new(),
            label: t.get("open_cases").to_owned(),
            selected: status.is_none() && !all,
        },
        Choice {
            value: "ALL".to_owned(),
            label: t.get("all").to_owned(),
            selected: all,
        },
    ];
    statuses.extend(Choice::list(&t, STATUSES, status.as_deref().unwrap_or("")));
    let mut qualifications = vec![Choice {
        value: String::new(),
        label: t.get("all").to_owned(),
        selected: p.qualification_code.is_empty(),
    }];
    qualifications.extend(state.catalogue.qualifications.iter().map(|q| Choice {
        value: q.code.clone(),
        label: name(&q.code),
        selected: q.code == p.qualification_code,
    }));
    let page = QueuePage {
        chrome,
        statuses,
        qualifications,
        assigned_to: p.assigned_to.clone(),
        mine,
        overdue,
        counts,
        rows,
        next_href,
        paged: !p.cursor.is_empty(),
    };
    html(&req, StatusCode::OK, &page)
}
