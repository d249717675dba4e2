//! How a sanction case and its input are shown.

use chrono::{DateTime, NaiveDate, Utc};
use domain::examination::CaseStatus;
use domain::sanction::{Sanction, SanctionKind};
use domain::{Actor, Role};
use eventstore::store::HistoryEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::case::Status;
use crate::examination::{InformationRequestView, ProposalView, TimelineEntry};

/// The sanction a case orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SanctionKindView {
    /// The title or the practice is suspended from `starts_on` until `ends_on`.
    Suspension,
    /// The registration is revoked.
    Revocation,
}

impl From<SanctionKindView> for SanctionKind {
    fn from(k: SanctionKindView) -> Self {
        match k {
            SanctionKindView::Suspension => SanctionKind::Suspension,
            SanctionKindView::Revocation => SanctionKind::Revocation,
        }
    }
}

impl From<SanctionKind> for SanctionKindView {
    fn from(k: SanctionKind) -> Self {
        match k {
            SanctionKind::Suspension => SanctionKindView::Suspension,
            SanctionKind::Revocation => SanctionKindView::Revocation,
        }
    }
}

/// A sanction case the office opens on a registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSanction {
    pub kind: SanctionKindView,
    /// The office's grounds (at most 2,000 characters).
    #[schema(example = "名称の不正使用")]
    pub reason: String,
    /// The article of the qualification's Act the sanction rests on; by
    /// default the one the catalogue records for the qualification and kind.
    #[schema(example = "社会福祉士及び介護福祉士法第32条第2項")]
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// The first day of the sanction in Japan; today or later.
    pub starts_on: NaiveDate,
    /// A suspension's end (required, after `starts_on`): it lifts at 00:00
    /// in Japan that day. A revocation has none.
    pub ends_on: Option<NaiveDate>,
}

/// A sanction case.
#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionResource {
    pub id: Uuid,
    pub kind: SanctionKindView,
    pub status: Status,
    /// The reason of an open information request or of a rejection.
    pub reason_code: Option<String>,
    pub registration_id: Uuid,
    pub qualification_code: String,
    /// The office's grounds; not shown to ministries.
    pub reason: Option<String>,
    pub legal_basis: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub information_request: Option<InformationRequestView>,
    /// APPLIED once in force on the registration; otherwise why it could not be.
    pub outcome: Option<String>,
    /// Examiners only.
    pub assigned_to: Option<String>,
    /// Examiners only.
    pub decision_proposal: Option<ProposalView>,
    pub timeline: Vec<TimelineEntry>,
    /// The aggregate version; also the ETag.
    pub version: usize,
}

/// Renders a sanction case for `viewer`. The case must exist.
pub fn render(
    id: Uuid,
    sanction: &Sanction,
    version: usize,
    history: Vec<HistoryEntry>,
    viewer: &Actor,
) -> Option<SanctionResource> {
    let details = sanction.details.as_ref()?;
    let exam = &sanction.examination;
    let internal = viewer.role.is_examiner() || viewer.role == Role::Admin;
    let person = viewer.role != Role::Ministry;
    Some(SanctionResource {
        id,
        kind: details.kind.into(),
        status: exam.status.into(),
        reason_code: match exam.status {
            CaseStatus::ActionRequired => exam.open_request.as_ref().map(|r| r.0.clone()),
            CaseStatus::Rejected => exam.rejection_reason.clone(),
            _ => None,
        },
        registration_id: sanction.registration_id?,
        qualification_code: sanction.qualification_code.clone(),
        reason: Some(details.reason.clone()).filter(|_| person),
        legal_basis: details.legal_basis.clone(),
        starts_on: details.starts_on,
        ends_on: details.ends_on,
        submitted_at: sanction.submitted_at,
        due_at: sanction.due_at,
        information_request: exam.open_request.as_ref().filter(|_| person).map(
            |(reason_code, message)| InformationRequestView {
                reason_code: reason_code.clone(),
                message: message.clone(),
            },
        ),
        outcome: sanction.outcome.clone(),
        assigned_to: internal.then(|| exam.assignee.clone()).flatten(),
        decision_proposal: internal
            .then(|| exam.proposal.as_ref().map(ProposalView::from))
            .flatten(),
        timeline: history.into_iter().map(TimelineEntry::from).collect(),
        version,
    })
}
