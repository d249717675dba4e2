//! The QualificationRegistration aggregate: from application to the register.

mod aggregate;
mod certificate;
mod changes;
mod command;
mod endorsement;
mod event;
mod holding;
mod identity;
mod link;
pub mod number;
mod sanction;
pub mod validity;

pub use aggregate::{QualificationRegistration, RegistrationNumbers, RegistrationServices};
pub use command::{Applicant, Channel, RegistrationCommand};
pub use endorsement::HeldEndorsement;
pub use event::RegistrationEvent;
pub use holding::{Hold, Holding, Retention, PARTICULARS_DIFFER};
pub use identity::{HolderParticulars, PublicStanding};
pub use link::LINK_DISPUTED;
pub use sanction::bar_end;

#[cfg(test)]
pub(crate) mod tests;
