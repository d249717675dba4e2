//! What an ENDORSEMENT request asks: to add or to remove one endorsement
//! the catalogue defines for the registration's qualification.

use serde::{Deserialize, Serialize};

/// Whether the endorsement is to be added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndorsementAction {
    Add,
    Remove,
}

impl EndorsementAction {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            EndorsementAction::Add => "ADD",
            EndorsementAction::Remove => "REMOVE",
        }
    }
}

/// The endorsement a request adds or removes, with the catalogue's names
/// as they were when it was filed (the register records what was endorsed,
/// whatever later catalogue versions call it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementChange {
    /// The catalogue's code, e.g. `SUCTION_AND_TUBE_FEEDING`.
    pub code: String,
    pub action: EndorsementAction,
    /// The name in Japanese.
    pub name_ja: String,
    /// The name in English.
    pub name_en: String,
}
