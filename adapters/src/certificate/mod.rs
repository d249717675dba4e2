//! Digital certificates on the persistence side: the published keys and the
//! issuer that signs a certificate and records it on the registration (the
//! status list is a view: `views::certificate_status`).

pub mod issue;
pub mod keys;

pub use issue::{CertificateIssuer, IssueOutcome};
