//! Digital certificates on the persistence side: the published keys, the
//! status list positions and states (shared with wallet credentials), and the
//! issuer that signs a certificate and records it on the registration (the
//! certificate status view is `views::certificate_status`).

pub mod issue;
pub mod keys;
pub mod status;

pub use issue::{CertificateIssuer, IssueOutcome};
pub use status::{allocate_status_entry, set_registration_status, set_status, StatusRef};
