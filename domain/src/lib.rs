//! The pure domain of shikaku: aggregates, commands, events and value objects.
//! No I/O lives here; services the aggregates need are traits implemented elsewhere.

pub mod actor;
pub mod attachment;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod certificate;
pub mod change_request;
pub mod clock;
pub mod death_notification;
pub mod error;
pub mod examination;
pub mod language;
pub mod money;
pub mod my_number;
pub mod payment;
pub mod registration;
pub mod registry;
pub mod sanction;

pub use actor::{Actor, Role};
pub use case::{CaseEvent, CaseKind, ExaminedCase};
pub use clock::Clock;
pub use error::DomainError;
