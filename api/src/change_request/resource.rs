//! How a change request is shown.

use chrono::{DateTime, NaiveDate, Utc};
use domain::change_request::ChangeRequest;
use domain::examination::CaseStatus;
use domain::{Actor, Role};
use eventstore::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::attachment::AttachmentView;
use crate::case::{self, ChangeKind, ChangeOutcome, Channel, DeletionReason, Status};
use crate::endorsement::EndorsementChangeView;
use crate::examination::{InformationRequestView, ProposalView, TimelineEntry};
use crate::payment::PaymentView;
use crate::qualifications::Money;

/// The new values a request asks for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesView {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub address: Option<String>,
    pub registered_domicile: Option<String>,
}

/// A change request against a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequestResource {
    pub id: Uuid,
    pub kind: ChangeKind,
    pub status: Status,
    /// The reason of an open information request or of a rejection.
    pub reason_code: Option<String>,
    pub registration_id: Uuid,
    pub qualification_code: String,
    pub channel: Channel,
    pub fee: Money,
    pub payment: PaymentView,
    /// Flags raised on the case (e.g. register inquiry results).
    pub flags: Vec<String>,
    /// The new values; empty to ministries, who read the register's entry
    /// on the registration instead (no more than a registration shows them).
    pub changes: ChangesView,
    /// For deletions.
    pub deletion_reason: Option<DeletionReason>,
    /// For ENDORSEMENT: the endorsement added or removed.
    pub endorsement: Option<EndorsementChangeView>,
    /// Not shown to ministries.
    pub date_of_death: Option<NaiveDate>,
    /// Not shown to ministries.
    pub notifier_relationship: Option<String>,
    /// Attached documents with their digests; not shown to ministries.
    pub attachments: Vec<AttachmentView>,
    /// Not shown to ministries.
    pub note: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub information_request: Option<InformationRequestView>,
    /// APPLIED once the registration changed; otherwise why it could not be.
    pub outcome: Option<ChangeOutcome>,
    /// Examiners only.
    pub assigned_to: Option<String>,
    /// Examiners only.
    pub decision_proposal: Option<ProposalView>,
    pub timeline: Vec<TimelineEntry>,
    /// The aggregate version; also the ETag.
    pub version: usize,
}

/// Renders a change request for `viewer`. The request must exist.
pub fn render(
    id: Uuid,
    request: &ChangeRequest,
    version: usize,
    history: Vec<HistoryEntry>,
    viewer: &Actor,
) -> Option<ChangeRequestResource> {
    let details = request.details.as_ref()?;
    let exam = &request.examination;
    let internal = viewer.role.is_examiner() || viewer.role == Role::Admin;
    // A ministry sees no more personal particulars on a change request than
    // on a registration: none of the requested values, documents or notes.
    let person = viewer.role != Role::Ministry;
    let c = &details.changes;
    Some(ChangeRequestResource {
        id,
        kind: ChangeKind::of(details.kind)?,
        status: exam.status.into(),
        reason_code: match exam.status {
            CaseStatus::ActionRequired => exam.open_request.as_ref().map(|r| r.0.clone()),
            CaseStatus::Rejected => exam.rejection_reason.clone(),
            _ => None,
        },
        registration_id: request.registration_id?,
        qualification_code: request.qualification_code.clone(),
        channel: details.channel.into(),
        fee: Money::yen(exam.fee.total()),
        payment: PaymentView::of(exam),
        flags: exam.flags(),
        changes: ChangesView {
            family_name: c.family_name.clone().filter(|_| person),
            given_name: c.given_name.clone().filter(|_| person),
            family_name_kana: c.family_name_kana.clone().filter(|_| person),
            given_name_kana: c.given_name_kana.clone().filter(|_| person),
            address: c.address.clone().filter(|_| person),
            registered_domicile: c.registered_domicile.clone().filter(|_| person),
        },
        deletion_reason: details.deletion_reason.map(DeletionReason::from),
        endorsement: details
            .endorsement
            .as_ref()
            .map(EndorsementChangeView::from),
        date_of_death: details.date_of_death.filter(|_| person),
        notifier_relationship: details.notifier_relationship.clone().filter(|_| person),
        attachments: details
            .attachments
            .iter()
            .filter(|_| person)
            .cloned()
            .map(AttachmentView::from)
            .collect(),
        note: details.note.clone().filter(|_| person),
        submitted_at: request.submitted_at,
        due_at: request.due_at,
        information_request: exam.open_request.as_ref().filter(|_| person).map(
            |(reason_code, message)| InformationRequestView {
                reason_code: reason_code.clone(),
                message: message.clone(),
            },
        ),
        outcome: request.outcome.as_deref().and_then(|o| case::parse(o).ok()),
        assigned_to: internal.then(|| exam.assignee.clone()).flatten(),
        decision_proposal: internal
            .then(|| exam.proposal.as_ref().map(ProposalView::from))
            .flatten(),
        timeline: history.into_iter().map(TimelineEntry::from).collect(),
        version,
    })
}
