//! The case page: the case, and the actions the viewer may take.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use domain::examination::{CaseStatus, REASON_CODES};
use domain::Role;
use uuid::Uuid;

use super::case_view::{case_type_of, load, CaseView};
use super::session::{Session, SignedIn};
use super::view::{html, Choice, Chrome};
use super::ConsoleError;
use crate::AppState;

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
    /// The assigned examiner clears a flag that stops approval.
    pub clear_flag: bool,
    /// A senior examiner who did not propose sends the proposal back.
    pub return_proposal: bool,
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
            clear_flag: mine && open && !exam.open_flags.is_empty(),
            return_proposal: senior
                && exam.status == CaseStatus::UnderExamination
                && proposal.is_some_and(|p| p.by != me),
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
            || self.clear_flag
            || self.return_proposal
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
            "clear-flag" => a.clear_flag,
            "return-proposal" => a.return_proposal,
            _ => false,
        };
        (!shown).then_some(words.as_str())
    }
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
        "clear-flag" => "clear_flag",
        "return-proposal" => "return_proposal",
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
    // The page shows the particulars: the read is audited before it is served.
    let reader = crate::auth::Caller(
        domain::Actor::new(session.sub.clone(), session.role),
        crate::auth::Grant::default(),
    );
    let action = adapters::audit::AuditAction::read(case_type);
    crate::audit::record_read(&state, &req, &reader, action, id).await?;
    let notice = req
        .query_string()
        .split('&')
        .find_map(|p| p.strip_prefix("done="))
        .map(action_label);
    let page = page(chrome, case, &session, notice, false, None);
    html(&req, StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::case_view::common;
    use domain::examination::{Examination, Outcome, Proposal};
    use domain::Actor;
    use domain::CaseKind;

    fn case(exam: Examination, paper: bool) -> CaseView {
        common(CaseKind::Registration, Uuid::nil(), 3, exam, paper)
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
        assert!(!a.clear_flag, "no flag to clear");
        let flagged = Examination {
            open_flags: vec!["MY_NUMBER_PARTICULARS_DIFFER".into()],
            ..mine.clone()
        };
        let a = Actions::for_case(
            &case(flagged.clone(), false),
            &session("ex", Role::Examiner),
        );
        assert!(a.clear_flag, "the assigned examiner clears a flag");
        let other = Actions::for_case(&case(flagged, false), &session("ex2", Role::Examiner));
        assert!(!other.clear_flag);

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
        assert!(senior.return_proposal && !proposer.return_proposal);
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
}
