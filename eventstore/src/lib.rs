//! The event store: appending events and loading aggregates (the command
//! bus), the case service over every examined aggregate, and the catch-up
//! subscriptions that every reader of the stream runs on (checkpoints,
//! wake-ups, back-pressure). The schema's migrations are applied from here.

pub mod append;
pub mod appending;
pub mod cases;
pub mod copy;
pub mod db;
pub mod error;
pub mod pressure;
pub mod store;
pub mod subscription;
pub mod wake;

pub use appending::Appending;
pub use error::ProjectionError;
