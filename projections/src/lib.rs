//! Persistence: the event store set-up, the subscription runner, the views
//! built from events, and the stores the aggregates' services need (vault,
//! catalogue, registration numbers).

pub mod append;
pub mod attachments;
pub mod audit;
mod batch;
pub mod cases;
pub mod catalogue;
pub mod certificate;
pub mod change_status;
pub mod db;
pub mod error;
pub mod feed;
pub mod inquiry;
pub mod numbers;
pub mod pressure;
pub mod process;
pub mod queue;
pub mod register;
pub mod registry;
pub mod status;
pub mod store;
pub mod subscription;
pub mod vault;
pub mod wake;

pub use error::ProjectionError;
