//! A case as the console shows it, whatever its type: loaded from the
//! aggregate (never stale), with the names of the catalogue. The My Number
//! is in the vault and never read here.

use chrono::Utc;
use domain::change_request::ChangeRequest;
use domain::examination::{CaseStatus, Examination, Outcome};
use domain::registration::{Channel, QualificationRegistration};
use domain::registry::InquiryOutcome;
use domain::CaseKind;
use uuid::Uuid;

use super::i18n::Text;
use super::timeline::{change_requests, document, history, Document, Entry};
use super::view::jst;
use super::ConsoleError;
use crate::AppState;

/// The case kind of a path segment, or 404.
pub fn case_type_of(segment: &str) -> Result<CaseKind, ConsoleError> {
    CaseKind::from_path(segment).ok_or(ConsoleError::NotFound)
}

/// A case as the page shows it, whatever its type.
pub struct CaseView {
    /// The page's own path, which the action forms post below.
    pub href: String,
    pub case_type: CaseKind,
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

fn status_key(status: CaseStatus) -> &'static str {
    status.as_str()
}

/// Loads a case for the console, or 404.
pub async fn load(
    state: &AppState,
    t: &Text,
    case_type: CaseKind,
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
        CaseKind::Registration => {
            let (reg, version) = state
                .cases
                .registrations
                .load(&id.to_string())
                .await
                .map_err(|e| internal(e.to_string()))?;
            if !reg.exists() {
                return Err(ConsoleError::NotFound);
            }
            registration_view(reg, version, id, &name)
        }
        CaseKind::ChangeRequest => {
            let (request, version) = state
                .cases
                .change_requests
                .load(&id.to_string())
                .await
                .map_err(|e| internal(e.to_string()))?;
            if !request.exists() {
                return Err(ConsoleError::NotFound);
            }
            change_view(request, version, id, &name)
        }
        CaseKind::Sanction => {
            let (sanction, version) = state
                .cases
                .sanctions
                .load(&id.to_string())
                .await
                .map_err(|e| internal(e.to_string()))?;
            if !sanction.exists() {
                return Err(ConsoleError::NotFound);
            }
            super::sanction_view::sanction_view(sanction, version, id, &name)
        }
    };
    // Notes the system wrote (in English, in the events) in the page's language.
    if let Some((_, message)) = view.open_request.as_mut() {
        *message = super::system_note::in_words(t.0, message);
    }
    for (key, value) in view.particulars.iter_mut() {
        if *key == "reason" {
            *value = super::system_note::in_words(t.0, value);
        }
    }
    if case_type == CaseKind::Registration {
        view.change_requests = change_requests(state, id).await?;
    }
    let (timeline, documents) = history(state, case_type.aggregate_type(), id, &view.href).await?;
    view.timeline = timeline;
    view.documents.extend(documents);
    Ok(view)
}

pub(super) fn common(
    case_type: CaseKind,
    id: Uuid,
    version: usize,
    exam: Examination,
    paper: bool,
) -> CaseView {
    CaseView {
        href: format!("/console/cases/{}/{id}", case_type.path()),
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
        CaseKind::Registration,
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
        ];
        // What applies: a registered domicile, or a foreign holder's nationality.
        match a.nationality {
            None => view
                .particulars
                .push(("registered_domicile", a.registered_domicile)),
            Some(nationality) => view.particulars.push(("nationality", nationality)),
        }
        view.particulars.push(("email", a.email));
        view.particulars
            .push(("exam_pass_number", a.exam_pass_number));
    }
    if let Some(until) = reg.valid_until {
        view.particulars.push(("valid_until", until.to_string()));
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
        CaseKind::ChangeRequest,
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
        if let Some(e) = &d.endorsement {
            particulars.push((
                "endorsement",
                format!("{} / {} ({})", e.name_ja, e.name_en, e.code),
            ));
            particulars.push(("endorsement_action", e.action.as_str().to_owned()));
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
        let href = view.href.clone();
        view.documents = d.attachments.iter().map(|a| document(&href, a)).collect();
    }
    view
}

pub(super) fn dates(
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

#[cfg(test)]
mod tests {
    #[test]
    fn yen_has_thousands_separators() {
        assert_eq!(super::yen(12320), "12,320");
        assert_eq!(super::yen(500), "500");
        assert_eq!(super::yen(1_000_000), "1,000,000");
        assert_eq!(super::yen(0), "0");
    }
}
