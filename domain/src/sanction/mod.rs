//! Sanctions: office-initiated cases on a registration, examined like any
//! other case (assignment, information requests to the holder, a four-eyes
//! decision). A SUSPENSION stops the use of the title or the practice from a
//! start date until an end date, when it lifts by itself; a REVOCATION ends
//! the registration for good. The approved sanction takes effect on the
//! registration through the sanction process (`workers::sanction`).

mod aggregate;
mod details;

pub use aggregate::{
    Sanction, SanctionCommand, SanctionEvent, PREREQUISITE_ENDED, SANCTION_SERVICE_STANDARD_DAYS,
};
pub use details::{lift_instant, SanctionDetails, SanctionKind};

#[cfg(test)]
mod tests;
