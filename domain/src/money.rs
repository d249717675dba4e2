//! Money: whole yen, never floating point.

use serde::{Deserialize, Serialize};

/// A fee as the catalogue sets it: registration licence tax plus handling fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Fee {
    /// Registration licence tax in yen.
    pub licence_tax: i64,
    /// Handling fee in yen.
    pub handling_fee: i64,
}

impl Fee {
    /// The amount to pay in yen.
    pub fn total(&self) -> i64 {
        self.licence_tax + self.handling_fee
    }

    /// A free procedure skips payment.
    pub fn is_free(&self) -> bool {
        self.total() == 0
    }
}
