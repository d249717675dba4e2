//! The QualificationRegistration aggregate: from application to the register.

mod aggregate;
mod changes;
mod command;
mod event;
mod identity;
mod link;
pub mod number;

pub use aggregate::{QualificationRegistration, RegistrationNumbers, RegistrationServices};
pub use command::{Applicant, Channel, RegistrationCommand};
pub use event::RegistrationEvent;
pub use identity::HolderParticulars;
pub use link::LINK_DISPUTED;

#[cfg(test)]
pub(crate) mod tests;
