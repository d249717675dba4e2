//! The stores and services behind the domain's traits: the My Number vault,
//! attachments, the (simulated) national registers, the catalogue, the
//! registration-number counters, the test clock's offset, the audit log of reads, the office's letters
//! by post, certificate signing and keys, and wallet credential issuance.

pub mod attachments;
pub mod audit;
pub mod catalogue;
pub mod certificate;
pub mod clock;
pub mod issuance;
pub mod numbers;
pub mod post;
pub mod private_file;
pub mod registry;
pub mod vault;
