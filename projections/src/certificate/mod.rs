//! Digital certificates on the persistence side: the published keys, the
//! status view and status list, and the issuer that signs a certificate and
//! records it on the registration.

pub mod issue;
pub mod keys;
pub mod status;

pub use issue::{CertificateIssuer, IssueOutcome};
pub use status::CertificateStatusProjection;
