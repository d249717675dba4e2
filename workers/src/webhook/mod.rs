//! Outgoing webhooks for ministries, following the Standard Webhooks
//! specification: the subscription that turns feed items into messages
//! (`producer`), the subscriptions and their ordered queues (`store`), the
//! signed delivery job (`delivery`) and the rule for target URLs (`target`).

pub mod delivery;
pub mod producer;
pub mod store;
pub mod target;

pub use delivery::DeliveryHandler;
pub use producer::PublicFeed;
pub use target::{TargetError, TargetPolicy};
