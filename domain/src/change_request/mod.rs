//! The ChangeRequest aggregate: one request against an existing registration,
//! examined with the same rules as a registration.

mod aggregate;
mod details;
mod endorsement;

pub use aggregate::{ChangeRequest, ChangeRequestCommand, ChangeRequestEvent, ChangeServices};
pub use details::{ChangeDetails, DeletionReason, MatterChanges};
pub use endorsement::{EndorsementAction, EndorsementChange};

#[cfg(test)]
mod tests;
