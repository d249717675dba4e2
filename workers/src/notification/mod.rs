//! Notifications: one notice per state change the applicant must know of,
//! rendered from editable templates, kept in the addressee's inbox and mailed
//! exactly once in effect.
//!
//! - [`producer`]: a subscription that renders each notice, records it in the
//!   inbox (`notifications`, a view of the events) and enqueues the mail
//!   batch job of its new notices in the same transaction;
//! - [`job`]: the mail job, which sends with a stable Message-ID and records
//!   the delivery in its own table (`notification_deliveries`) once the SMTP
//!   server accepted it;
//! - [`mail_batch`]: the job the inbox queues for a batch of notices, which
//!   mails them as [`job`] does and gives each failed one a job of its own;
//! - [`mailer`]: SMTP (pooled, STARTTLS or TLS) or `.eml` files;
//! - [`inbox`]: the reads behind `GET /v1/notifications`.

pub mod inbox;
pub mod job;
pub mod mail_batch;
pub mod mailer;
mod notice;
mod offer_code;
pub mod producer;
mod recipient;
mod status_notice;
pub mod templates;

pub use job::{MailNotice, NotificationJob};
pub use mail_batch::{MailBatch, MailBatchJob};
pub use mailer::{MailError, Mailer};
pub use producer::NotificationProducer;
pub use templates::{Rendered, TemplateError, Templates};

/// The notices the office sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    Received,
    PaymentRequested,
    ActionRequired,
    Registered,
    Rejected,
    Withdrawn,
    ChangeApplied,
    CertificateReady,
    RefundIssued,
    /// A paper-era registration was linked online (initial setting): told to
    /// the new holder's inbox and to the email on record, so a holder who did
    /// not do it can dispute it.
    HolderLinked,
    /// The office resolved a dispute of that link: told to the holder the
    /// link named (their inbox, before it is undone) and to the email on
    /// record, whether the link was undone or stands.
    LinkDisputeResolved,
    /// The transaction code of a wallet credential offer the holder asked
    /// for: sent to their inbox and mail, never in the offer itself.
    CredentialOfferCode,
    /// Certificates or wallet credentials of the holder's were revoked (their
    /// status-list entries became INVALID): told from the status change.
    CredentialRevoked,
    /// Certificates or wallet credentials of the holder's were suspended
    /// (their status-list entries became SUSPENDED).
    CredentialSuspended,
    /// The office opened a sanction case (suspension or revocation) on the
    /// holder's registration.
    SanctionOpened,
    /// The sanction was approved and is in force on the registration.
    SanctionInForce,
    /// A suspension ended at its end date.
    SuspensionLifted,
    /// The registration expires soon (180, 90 or 30 days before `valid_until`).
    RenewalReminder,
    /// The registration expired without a renewal.
    RegistrationExpired,
}

impl NoticeKind {
    /// Every notice, for loading and checking templates.
    pub const ALL: [NoticeKind; 19] = [
        NoticeKind::Received,
        NoticeKind::PaymentRequested,
        NoticeKind::ActionRequired,
        NoticeKind::Registered,
        NoticeKind::Rejected,
        NoticeKind::Withdrawn,
        NoticeKind::ChangeApplied,
        NoticeKind::CertificateReady,
        NoticeKind::RefundIssued,
        NoticeKind::HolderLinked,
        NoticeKind::LinkDisputeResolved,
        NoticeKind::CredentialOfferCode,
        NoticeKind::CredentialRevoked,
        NoticeKind::CredentialSuspended,
        NoticeKind::SanctionOpened,
        NoticeKind::SanctionInForce,
        NoticeKind::SuspensionLifted,
        NoticeKind::RenewalReminder,
        NoticeKind::RegistrationExpired,
    ];

    /// The stable name: the template's file name and the inbox's `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Received => "received",
            NoticeKind::PaymentRequested => "payment_requested",
            NoticeKind::ActionRequired => "action_required",
            NoticeKind::Registered => "registered",
            NoticeKind::Rejected => "rejected",
            NoticeKind::Withdrawn => "withdrawn",
            NoticeKind::ChangeApplied => "change_applied",
            NoticeKind::CertificateReady => "certificate_ready",
            NoticeKind::RefundIssued => "refund_issued",
            NoticeKind::HolderLinked => "holder_linked",
            NoticeKind::LinkDisputeResolved => "link_dispute_resolved",
            NoticeKind::CredentialOfferCode => "credential_offer_code",
            NoticeKind::CredentialRevoked => "credential_revoked",
            NoticeKind::CredentialSuspended => "credential_suspended",
            NoticeKind::SanctionOpened => "sanction_opened",
            NoticeKind::SanctionInForce => "sanction_in_force",
            NoticeKind::SuspensionLifted => "suspension_lifted",
            NoticeKind::RenewalReminder => "renewal_reminder",
            NoticeKind::RegistrationExpired => "registration_expired",
        }
    }
}
