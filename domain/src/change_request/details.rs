//! What a change request asks for: shared by the request itself and by the
//! registration that reserves the request's slot.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::attachment::AttachmentRef;
use crate::catalogue::Procedure;
use crate::language::Language;
use crate::registration::Channel;

/// New values of registered matters; only the named ones change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterChanges {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub address: Option<String>,
    pub registered_domicile: Option<String>,
}

/// Why a registration is to be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeletionReason {
    HolderRequest,
    Death,
    /// A family court's declaration of disappearance (失踪宣告, Civil Code
    /// art. 30): the holder is deemed dead (art. 31), so it is notified,
    /// evidenced and examined as a death is.
    Disappearance,
}

impl DeletionReason {
    /// Whether the holder is dead in law (died, or declared missing), so
    /// that someone else notifies it and the holder is not written to.
    pub fn deems_dead(self) -> bool {
        matches!(self, DeletionReason::Death | DeletionReason::Disappearance)
    }
}

/// The content of a change request as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeDetails {
    /// CHANGE_NAME, CHANGE_ADDRESS, CHANGE_DOMICILE, REISSUE_CERTIFICATE,
    /// DELETE_REGISTRATION or ENDORSEMENT.
    pub kind: Procedure,
    pub changes: MatterChanges,
    pub deletion_reason: Option<DeletionReason>,
    pub date_of_death: Option<NaiveDate>,
    pub notifier_relationship: Option<String>,
    pub attachments: Vec<AttachmentRef>,
    /// Why the holder asks (free text, e.g. a lost certificate).
    pub note: Option<String>,
    /// Who filed it: the holder, or a relative notifying a death.
    pub filed_by: String,
    pub channel: Channel,
    /// Where notices about the request go; by default the registration's address
    /// (a death notification's notifier gives their own). Older events read none.
    #[serde(default)]
    pub email: Option<String>,
    /// The language of the notices; by default the registration's.
    #[serde(default)]
    pub preferred_language: Option<Language>,
    /// For ENDORSEMENT: the endorsement added or removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<super::EndorsementChange>,
}
