//! Endorsements as the API shows them: those a registration carries (on the
//! registration, its register entry) and the one an ENDORSEMENT change
//! request adds or removes.

use chrono::{DateTime, Utc};
use domain::change_request::{EndorsementAction, EndorsementChange};
use domain::registration::HeldEndorsement;
use serde::Serialize;
use utoipa::ToSchema;

/// An endorsement a registration carries (付記事項).
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldEndorsementView {
    /// The catalogue's code.
    #[schema(example = "SUCTION_AND_TUBE_FEEDING")]
    pub code: String,
    /// The name in Japanese, as the catalogue gave it when it was added.
    pub name_ja: String,
    /// The name in English, as the catalogue gave it when it was added.
    pub name_en: String,
    /// When the approved request added it.
    pub added_at: DateTime<Utc>,
}

impl HeldEndorsementView {
    /// The views of a registration's endorsements, in the order added.
    pub fn list(held: &[HeldEndorsement]) -> Vec<Self> {
        held.iter()
            .map(|e| Self {
                code: e.code.clone(),
                name_ja: e.name_ja.clone(),
                name_en: e.name_en.clone(),
                added_at: e.added_at,
            })
            .collect()
    }
}

/// Whether an ENDORSEMENT request adds or removes its endorsement.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndorsementActionView {
    Add,
    Remove,
}

/// The endorsement an ENDORSEMENT change request adds or removes.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementChangeView {
    #[schema(example = "SUCTION_AND_TUBE_FEEDING")]
    pub code: String,
    pub action: EndorsementActionView,
    /// The name in Japanese, as the catalogue gave it when the request was filed.
    pub name_ja: String,
    /// The name in English, as the catalogue gave it when the request was filed.
    pub name_en: String,
}

impl From<&EndorsementChange> for EndorsementChangeView {
    fn from(c: &EndorsementChange) -> Self {
        Self {
            code: c.code.clone(),
            action: match c.action {
                EndorsementAction::Add => EndorsementActionView::Add,
                EndorsementAction::Remove => EndorsementActionView::Remove,
            },
            name_ja: c.name_ja.clone(),
            name_en: c.name_en.clone(),
        }
    }
}
