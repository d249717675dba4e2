//! How the examination of a case is shown, the same for every case type.

use chrono::{DateTime, Utc};
use eventstore::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;

use crate::case::DecisionOutcome;

/// An open request for information.
#[derive(Debug, Serialize, ToSchema)]
pub struct InformationRequestView {
    pub reason_code: String,
    pub message: String,
}

/// A decision waiting for a senior examiner (examiners only).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub outcome: DecisionOutcome,
    pub reason_code: Option<String>,
    pub note: String,
    pub proposed_by: String,
}

/// One step in the case's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// The event, e.g. ApplicationSubmitted.
    pub event: String,
    pub at: DateTime<Utc>,
    /// The change request that caused it, for changes of registered matters.
    pub change_request_id: Option<String>,
}

impl From<&domain::examination::Proposal> for ProposalView {
    fn from(p: &domain::examination::Proposal) -> Self {
        Self {
            outcome: p.outcome.into(),
            reason_code: p.reason_code.clone(),
            note: p.note.clone(),
            proposed_by: p.by.clone(),
        }
    }
}

impl From<HistoryEntry> for TimelineEntry {
    fn from(h: HistoryEntry) -> Self {
        Self {
            event: h.event_type,
            at: h.recorded_at,
            change_request_id: h.change_request_id,
        }
    }
}
