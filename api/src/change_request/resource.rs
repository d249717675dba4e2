//! How a change request is shown.

use chrono::{DateTime, NaiveDate, Utc};
use domain::change_request::{ChangeRequest, DeletionReason};
use domain::examination::CaseStatus;
use domain::registration::Channel;
use domain::{Actor, Role};
use projections::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::attachment::AttachmentView;
use crate::payment::PaymentView;
use crate::qualifications::Money;
use crate::registration::{InformationRequestView, ProposalView, TimelineEntry};

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
    /// CHANGE_NAME, CHANGE_ADDRESS, CHANGE_DOMICILE, REISSUE_CERTIFICATE or DELETE_REGISTRATION.
    pub kind: &'static str,
    /// SUBMITTED, AWAITING_PAYMENT, UNDER_EXAMINATION, ACTION_REQUIRED, then APPROVED, REJECTED or WITHDRAWN.
    pub status: &'static str,
    /// The reason of an open information request or of a rejection.
    pub reason_code: Option<String>,
    pub registration_id: Uuid,
    pub qualification_code: String,
    /// ONLINE or PAPER.
    pub channel: &'static str,
    pub fee: Money,
    pub payment: PaymentView,
    /// Flags raised on the case (e.g. register inquiry results).
    pub flags: Vec<String>,
    pub changes: ChangesView,
    /// HOLDER_REQUEST or DEATH, for deletions.
    pub deletion_reason: Option<&'static str>,
    pub date_of_death: Option<NaiveDate>,
    pub notifier_relationship: Option<String>,
    /// Attached documents with their digests.
    pub attachments: Vec<AttachmentView>,
    pub note: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub information_request: Option<InformationRequestView>,
    /// APPLIED once the registration changed; otherwise why it could not be.
    pub outcome: Option<String>,
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
    let c = &details.changes;
    Some(ChangeRequestResource {
        id,
        kind: details.kind.as_str(),
        status: exam.status.as_str(),
        reason_code: match exam.status {
            CaseStatus::ActionRequired => exam.open_request.as_ref().map(|r| r.0.clone()),
            CaseStatus::Rejected => exam.rejection_reason.clone(),
            _ => None,
        },
        registration_id: request.registration_id?,
        qualification_code: request.qualification_code.clone(),
        channel: match details.channel {
            Channel::Paper => "PAPER",
            Channel::Online => "ONLINE",
        },
        fee: Money::yen(exam.fee.total()),
        payment: PaymentView::of(exam),
        flags: exam.flags(),
        changes: ChangesView {
            family_name: c.family_name.clone(),
            given_name: c.given_name.clone(),
            family_name_kana: c.family_name_kana.clone(),
            given_name_kana: c.given_name_kana.clone(),
            address: c.address.clone(),
            registered_domicile: c.registered_domicile.clone(),
        },
        deletion_reason: details.deletion_reason.map(|r| match r {
            DeletionReason::HolderRequest => "HOLDER_REQUEST",
            DeletionReason::Death => "DEATH",
        }),
        date_of_death: details.date_of_death,
        notifier_relationship: details.notifier_relationship.clone(),
        attachments: details
            .attachments
            .iter()
            .cloned()
            .map(AttachmentView::from)
            .collect(),
        note: details.note.clone(),
        submitted_at: request.submitted_at,
        due_at: request.due_at,
        information_request: exam.open_request.as_ref().map(|(reason_code, message)| {
            InformationRequestView {
                reason_code: reason_code.clone(),
                message: message.clone(),
            }
        }),
        outcome: request.outcome.clone(),
        assigned_to: internal.then(|| exam.assignee.clone()).flatten(),
        decision_proposal: internal
            .then(|| exam.proposal.as_ref().map(ProposalView::from))
            .flatten(),
        timeline: history.into_iter().map(TimelineEntry::from).collect(),
        version,
    })
}
