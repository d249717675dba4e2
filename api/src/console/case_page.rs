//! The case page: particulars (never the My Number), the register inquiry,
//! payment, timeline, attachments, and the actions the viewer may take.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use cqrs_es::Aggregate;
use domain::change_request::ChangeRequest;
use domain::examination::{CaseStatus, Examination, Outcome, REASON_CODES};
use domain::registration::{Channel, QualificationRegistration};
use domain::registry::InquiryOutcome;
use domain::Role;
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use super::i18n::Text;
use super::session::{Session, SignedIn};
use super::view::{html, jst, Choice, Chrome};
use super::ConsoleError;
use crate::case::CaseType;
use crate::AppState;

/// The path segment of a case type.
pub fn segment(case_type: CaseType) -> &'static str {
    match case_type {
        CaseType::Registration => "registrations",
        CaseType::ChangeRequest => "change-requests",
    }
}

/// The case type of a path segment.
pub fn case_type_of(segment: &str) -> Result<CaseType, ConsoleError> {
    match segment {
        "registrations" => Ok(CaseType::Registration),
        "change-requests" => Ok(CaseType::ChangeRequest),
        _ => Err(ConsoleError::NotFound),
    }
}

/// One entry of the timeline.
pub struct Entry {
    pub when: String,
    pub what: String,
    pub by: Option<String>,
    pub detail: Option<String>,
    pub by_post: Option<String>,
}

/// A document attached to the case.
pub struct Document {
    pub href: String,
    pub content_type: String,
    pub size: i64,
    pub image: bool,
}

/// A case as the page shows it, whatever its type.
pub struct CaseView {
    /// The page's own path, which the action forms post below.
    pub href: String,
    pub case_type: CaseType,
    pub id: Uuid,
    pub version: usize,
    pub status: &'static str,
    pub channel: &'static str,
    pub qualification: String,
    pub procedure: String,
    pub submitted: String,
    pub due: String,
    pub overdue: bool,
    pub assignee: Option<String>,
    pub particulars: Vec<(&'static str, String)>,
    pub registration_href: Option<String>,
    pub registration_number: Option<String>,
    /// The fee in yen with thousands separators.
    pub fee: String,
    /// The fee in yen as a form value.
    pub fee_amount: i64,
    pub payment_status: &'static str,
    pub inquiry: Option<(&'static str, Vec<String>)>,
    pub flags: Vec<String>,
    pub open_request: Option<(String, String)>,
    pub proposal: Option<(&'static str, Option<String>, String, String)>,
    pub rejection_reason: Option<String>,
    pub timeline: Vec<Entry>,
    pub documents: Vec<Document>,
    /// A registration's change requests: (link, kind, status, submitted).
    pub change_requests: Vec<(String, String, String, String)>,
    pub examination: Examination,
    pub paper: bool,
}

/// What the viewer may do, and why not where that helps.
#[derive(Default)]
pub struct Actions {
    pub claim: bool,
    pub request_information: bool,
    pub propose: bool,
    pub approve: bool,
    /// Shown beside Approve when the viewer proposed the decision.
    pub approve_refusal: Option<&'static str>,
    pub reassign: bool,
    pub record_response: bool,
    pub record_withdrawal: bool,
    pub record_payment: bool,
}

impl Actions {
    /// The actions offered to `viewer` on a case in this state.
    pub fn for_case(case: &CaseView, viewer: &Session) -> Actions {
        let exam = &case.examination;
        let me = viewer.sub.as_str();
        let senior = viewer.role == Role::SeniorExaminer;
        let open = matches!(
            exam.status,
            CaseStatus::UnderExamination | CaseStatus::ActionRequired
        );
        let mine = exam.assignee.as_deref() == Some(me);
        let free_or_mine = exam.assignee.is_none() || mine;
        let examining = exam.status == CaseStatus::UnderExamination && exam.proposal.is_none();
        let proposal = exam.proposal.as_ref();
        Actions {
            claim: open && exam.assignee.is_none(),
            request_information: mine && examining,
            propose: mine && examining,
            approve: senior && exam.status == CaseStatus::UnderExamination && proposal.is_some(),
            approve_refusal: (senior && proposal.is_some_and(|p| p.by == me))
                .then_some("FOUR_EYES_REQUIRED"),
            reassign: senior && open,
            record_response: case.paper
                && exam.status == CaseStatus::ActionRequired
                && free_or_mine,
            record_withdrawal: case.paper && !exam.status.is_decided() && free_or_mine,
            record_payment: case.paper
                && exam.status == CaseStatus::AwaitingPayment
                && free_or_mine,
        }
    }

    /// Whether any action is offered.
    pub fn any(&self) -> bool {
        self.claim
            || self.request_information
            || self.propose
            || self.approve
            || self.reassign
            || self.record_response
            || self.record_withdrawal
            || self.record_payment
    }
}

/// The case page.
#[derive(Template)]
#[template(path = "console/case.html")]
pub struct CasePage {
    pub chrome: Chrome,
    pub case: CaseView,
    pub actions: Actions,
    pub csrf: String,
    pub reasons: Vec<Choice>,
    pub today: String,
    /// A success message after an action.
    pub notice: Option<&'static str>,
    /// The page was stale: someone else acted.
    pub stale: bool,
    /// (action, words) of a refused action.
    pub error: Option<(String, String)>,
}

impl CasePage {
    /// The refusal to show beside `action`, if it was the one refused.
    pub fn error_for(&self, action: &str) -> Option<&str> {
        match &self.error {
            Some((a, words)) if a == action => Some(words.as_str()),
            _ => None,
        }
    }

    /// A refusal whose form is no longer offered, shown above the actions.
    pub fn orphan_error(&self) -> Option<&str> {
        let (action, words) = self.error.as_ref()?;
        let a = &self.actions;
        let shown = match action.as_str() {
            "claim" => a.claim,
            "request-information" => a.request_information,
            "propose" => a.propose,
            "approve" => a.approve,
            "reassign" => a.reassign,
            "record-response" => a.record_response,
            "record-withdrawal" => a.record_withdrawal,
            "record-payment" => a.record_payment,
            _ => false,
        };
        (!shown).then_some(words.as_str())
    }
}

fn status_key(status: CaseStatus) -> &'static str {
    status.as_str()
}

/// Loads a case for the console, or 404.
pub async fn load(
    state: &AppState,
    t: &Text,
    case_type: CaseType,
    id: Uuid,
) -> Result<CaseView, ConsoleError> {
    let internal = |e: String| ConsoleError::Internal(e);
    let lang_ja = t.code() == "ja";
    let name = |code: &str| {
        state
            .catalogue
            .qualification(code)
            .map(|q| {
                if lang_ja {
                    q.name_ja.clone()
                } else {
                    q.name_en.clone()
                }
            })
            .unwrap_or_else(|| code.to_owned())
    };
    let mut view = match case_type {
        CaseType::Registration => {
            let (reg, version) = state
                .registrations
                .load(&id.to_string())
                .await
                .map_err(|e| internal(e.to_string()))?;
            if !reg.exists() {
                return Err(ConsoleError::NotFound);
            }
            registration_view(reg, version, id, &name)
        }
        CaseType::ChangeRequest => {
            let (request, version) = state
                .change_requests
                .load(&id.to_string())
                .await
                .map_err(|e| internal(e.to_string()))?;
            if !request.exists() {
                return Err(ConsoleError::NotFound);
            }
            change_view(request, version, id, &name)
        }
    };
    let aggregate_type = match case_type {
        CaseType::Registration => QualificationRegistration::TYPE,
        CaseType::ChangeRequest => ChangeRequest::TYPE,
    };
    if case_type == CaseType::Registration {
        view.change_requests = change_requests(state, id).await?;
    }
    let (timeline, documents) = history(state, aggregate_type, id).await?;
    view.timeline = timeline;
    view.documents.extend(documents);
    Ok(view)
}

fn common(
    case_type: CaseType,
    id: Uuid,
    version: usize,
    exam: Examination,
    paper: bool,
) -> CaseView {
    CaseView {
        href: format!("/console/cases/{}/{id}", segment(case_type)),
        case_type,
        id,
        version,
        status: status_key(exam.status),
        channel: if paper { "PAPER" } else { "ONLINE" },
        qualification: String::new(),
        procedure: String::new(),
        submitted: String::new(),
        due: String::new(),
        overdue: false,
        assignee: exam.assignee.clone(),
        particulars: vec![],
        registration_href: None,
        registration_number: None,
        fee: yen(exam.fee.total()),
        fee_amount: exam.fee.total(),
        payment_status: exam.payment_status(),
        inquiry: exam.inquiry.as_ref().map(|a| {
            (
                match a.outcome {
                    InquiryOutcome::Confirmed => "CONFIRMED",
                    InquiryOutcome::Mismatch => "MISMATCH",
                    InquiryOutcome::DomicileUnresolved => "DOMICILE_UNRESOLVED",
                },
                a.differences.clone(),
            )
        }),
        flags: exam.flags(),
        open_request: exam.open_request.clone(),
        proposal: exam.proposal.as_ref().map(|p| {
            (
                match p.outcome {
                    Outcome::Approve => "APPROVE",
                    Outcome::Reject => "REJECT",
                },
                p.reason_code.clone(),
                p.note.clone(),
                p.by.clone(),
            )
        }),
        rejection_reason: exam.rejection_reason.clone(),
        timeline: vec![],
        documents: vec![],
        change_requests: vec![],
        paper,
        examination: exam,
    }
}

fn registration_view(
    reg: QualificationRegistration,
    version: usize,
    id: Uuid,
    name: &dyn Fn(&str) -> String,
) -> CaseView {
    let paper = reg.channel == Some(Channel::Paper);
    let mut view = common(
        CaseType::Registration,
        id,
        version,
        reg.examination.clone(),
        paper,
    );
    view.qualification = name(&reg.qualification_code);
    view.procedure = "NEW_REGISTRATION".into();
    dates(&mut view, reg.submitted_at, reg.due_at);
    view.registration_number = reg.registration_number.clone();
    if let Some(a) = reg.applicant {
        // The My Number is in the vault and is never read here.
        view.particulars = vec![
            ("family_name", a.family_name),
            ("given_name", a.given_name),
            ("family_name_kana", a.family_name_kana),
            ("given_name_kana", a.given_name_kana),
            ("date_of_birth", a.date_of_birth.to_string()),
            ("address", a.address),
            ("registered_domicile", a.registered_domicile),
            ("email", a.email),
            ("exam_pass_number", a.exam_pass_number),
        ];
    }
    view
}

fn change_view(
    request: ChangeRequest,
    version: usize,
    id: Uuid,
    name: &dyn Fn(&str) -> String,
) -> CaseView {
    let details = request.details.clone();
    let paper = details
        .as_ref()
        .is_some_and(|d| d.channel == Channel::Paper);
    let mut view = common(
        CaseType::ChangeRequest,
        id,
        version,
        request.examination.clone(),
        paper,
    );
    view.qualification = name(&request.qualification_code);
    dates(&mut view, request.submitted_at, request.due_at);
    view.registration_href = request
        .registration_id
        .map(|r| format!("/console/cases/registrations/{r}"));
    if let Some(d) = details {
        view.procedure = d.kind.as_str().to_owned();
        let c = &d.changes;
        let mut particulars: Vec<(&'static str, String)> = [
            ("family_name", &c.family_name),
            ("given_name", &c.given_name),
            ("family_name_kana", &c.family_name_kana),
            ("given_name_kana", &c.given_name_kana),
            ("address", &c.address),
            ("registered_domicile", &c.registered_domicile),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect();
        if let Some(r) = d.deletion_reason {
            particulars.push((
                "deletion_reason",
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ));
        }
        if let Some(date) = d.date_of_death {
            particulars.push(("date_of_death", date.to_string()));
        }
        if let Some(rel) = &d.notifier_relationship {
            particulars.push(("notifier_relationship", rel.clone()));
        }
        if let Some(note) = &d.note {
            particulars.push(("reason", note.clone()));
        }
        particulars.push(("filed_by", d.filed_by.clone()));
        view.particulars = particulars;
        view.documents = d.attachments.iter().map(document).collect();
    }
    view
}

fn dates(
    view: &mut CaseView,
    submitted: Option<chrono::DateTime<Utc>>,
    due: Option<chrono::DateTime<Utc>>,
) {
    if let Some(s) = submitted {
        view.submitted = jst(s);
    }
    if let Some(d) = due {
        view.due = jst(d);
        view.overdue = d < Utc::now() && !view.examination.status.is_decided();
    }
}

/// 12320 as "12,320".
fn yen(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0 {
        out.insert(0, '-');
    }
    out
}

fn document(a: &domain::attachment::AttachmentRef) -> Document {
    Document {
        href: format!("/console/attachments/{}", a.id),
        content_type: a.content_type.clone(),
        size: a.size,
        image: a.content_type.starts_with("image/"),
    }
}

/// The change requests filed against a registration (the latest 50).
async fn change_requests(
    state: &AppState,
    registration_id: Uuid,
) -> Result<Vec<(String, String, String, String)>, ConsoleError> {
    let filter = projections::change_status::ChangeFilter {
        registration_id: Some(registration_id),
        limit: 50,
        ..Default::default()
    };
    let rows = projections::change_status::list(&state.pool, &filter)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                format!("/console/cases/change-requests/{}", r.id),
                r.kind,
                r.status,
                jst(r.submitted_at),
            )
        })
        .collect())
}

/// The timeline and the documents attached by responses, from the case's events.
async fn history(
    state: &AppState,
    aggregate_type: &str,
    id: Uuid,
) -> Result<(Vec<Entry>, Vec<Document>), ConsoleError> {
    let rows = sqlx::query(
        "SELECT event_type, recorded_at, payload::jsonb -> event_type AS body
         FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
    )
    .bind(aggregate_type)
    .bind(id.to_string())
    .fetch_all(&state.pool)
    .await
    .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let mut timeline = Vec::with_capacity(rows.len());
    let mut documents = Vec::new();
    for row in rows {
        let body: Option<Value> = row.get("body");
        let body = body.unwrap_or(Value::Null);
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let by = text("by")
            .or_else(|| text("examiner").map(|e| format!("→ {e}")))
            .or_else(|| text("entered_by"))
            .or_else(|| {
                body.pointer("/proposal/by")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| {
                body.pointer("/paper/recorded_by")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
        let detail = text("reason_code")
            .or_else(|| {
                body.pointer("/proposal/outcome")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| text("outcome"))
            .or_else(|| text("registration_number"));
        if let Some(list) = body.get("attachments") {
            if let Ok(refs) =
                serde_json::from_value::<Vec<domain::attachment::AttachmentRef>>(list.clone())
            {
                documents.extend(refs.iter().map(document));
            }
        }
        timeline.push(Entry {
            when: jst(row.get("recorded_at")),
            what: row.get("event_type"),
            by,
            detail,
            by_post: body
                .pointer("/paper/received_on")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Ok((timeline, documents))
}

/// The label of an action, by its path segment.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "claim" => "claim",
        "request-information" => "request_information",
        "propose" => "propose_decision",
        "approve" => "approve_decision",
        "reassign" => "reassign",
        "record-response" => "record_response",
        "record-withdrawal" => "record_withdrawal",
        "record-payment" => "record_payment",
        "entered" => "entered",
        _ => "done",
    }
}

/// Builds the page for a loaded case.
pub fn page(
    chrome: Chrome,
    case: CaseView,
    session: &Session,
    notice: Option<&'static str>,
    stale: bool,
    error: Option<(String, String)>,
) -> CasePage {
    let actions = Actions::for_case(&case, session);
    let reasons = Choice::list(&chrome.t, REASON_CODES, "");
    CasePage {
        actions,
        reasons,
        csrf: session.csrf.clone(),
        today: super::view::jst_date(Utc::now()),
        chrome,
        case,
        notice,
        stale,
        error,
    }
}

/// `GET /console/cases/{case_type}/{id}`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id) = path.into_inner();
    let case_type = case_type_of(&segment)?;
    let session = signed_in.0;
    let chrome = Chrome::new(&req, Some(&session));
    let case = load(&state, &chrome.t, case_type, id).await?;
    let notice = req
        .query_string()
        .split('&')
        .find_map(|p| p.strip_prefix("done="))
        .map(action_label);
    let page = page(chrome, case, &session, notice, false, None);
    html(&req, StatusCode::OK, &page)
}

/// `GET /console/attachments/{id}`: a document shown inline in the browser.
pub async fn attachment(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    let found = state
        .attachments
        .find(id.into_inner(), &signed_in.0.sub, true)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?
        .ok_or(ConsoleError::NotFound)?;
    let bytes = state
        .attachments
        .bytes(found.id)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(found.content_type)
        .insert_header(("Content-Disposition", "inline"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::examination::Proposal;
    use domain::Actor;

    fn case(exam: Examination, paper: bool) -> CaseView {
        common(CaseType::Registration, Uuid::nil(), 3, exam, paper)
    }

    fn session(sub: &str, role: Role) -> Session {
        Session::new(Actor::new(sub, role), 0)
    }

    #[test]
    fn actions_follow_the_rules_of_examination() {
        let open = Examination {
            status: CaseStatus::UnderExamination,
            ..Examination::default()
        };
        let a = Actions::for_case(&case(open.clone(), false), &session("ex", Role::Examiner));
        assert!(a.claim && !a.propose && !a.approve && !a.reassign && !a.record_withdrawal);

        let mine = Examination {
            assignee: Some("ex".into()),
            ..open.clone()
        };
        let a = Actions::for_case(&case(mine.clone(), false), &session("ex", Role::Examiner));
        assert!(!a.claim && a.propose && a.request_information);
        let other = Actions::for_case(&case(mine.clone(), false), &session("ex2", Role::Examiner));
        assert!(!other.any(), "nothing for another examiner");

        let proposed = Examination {
            proposal: Some(Proposal {
                outcome: Outcome::Approve,
                reason_code: None,
                note: String::new(),
                by: "sr".into(),
            }),
            ..mine
        };
        let proposer = Actions::for_case(
            &case(proposed.clone(), false),
            &session("sr", Role::SeniorExaminer),
        );
        assert!(proposer.approve && proposer.approve_refusal == Some("FOUR_EYES_REQUIRED"));
        let senior = Actions::for_case(
            &case(proposed, false),
            &session("sr2", Role::SeniorExaminer),
        );
        assert!(senior.approve && senior.approve_refusal.is_none() && senior.reassign);
    }

    #[test]
    fn paper_records_only_on_paper_cases() {
        let awaiting = Examination {
            status: CaseStatus::AwaitingPayment,
            ..Examination::default()
        };
        let ex = session("ex", Role::Examiner);
        let paper = Actions::for_case(&case(awaiting.clone(), true), &ex);
        assert!(paper.record_payment && paper.record_withdrawal && !paper.claim);
        let online = Actions::for_case(&case(awaiting, false), &ex);
        assert!(!online.any());
    }

    #[test]
    fn yen_has_thousands_separators() {
        assert_eq!(super::yen(12320), "12,320");
        assert_eq!(super::yen(500), "500");
        assert_eq!(super::yen(1_000_000), "1,000,000");
        assert_eq!(super::yen(0), "0");
    }
}
