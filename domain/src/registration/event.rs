//! Events of a registration: facts in the past tense.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::{Applicant, Channel};
use crate::change_request::{ChangeDetails, DeletionReason, MatterChanges};
use crate::examination::flat::stored_flat;
use crate::examination::{CaseStatus, ExaminationEvent};

/// Everything that can happen to a registration.
// The derived code is the inherent `serialize` and `deserialize` (`remote`),
// for the case's own events; the trait impls add the examination's, flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum RegistrationEvent {
    ApplicationSubmitted {
        qualification_code: String,
        applicant: Box<Applicant>,
        /// Opaque vault reference; the number itself never enters an event.
        my_number_ref: Uuid,
        channel: Channel,
        owner: Option<String>,
        entered_by: String,
        submitted_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    Registered {
        qualification_code: String,
        registration_number: String,
        registered_on: NaiveDate,
        /// The holder's name as entered on the register.
        family_name: String,
        given_name: String,
        /// The last day the registration is valid, when its qualification
        /// has a validity period (set from the catalogue on the approval
        /// date, so a later catalogue never changes it); none: no expiry.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        valid_until: Option<NaiveDate>,
    },
    RegistrationImported {
        qualification_code: String,
        registration_number: String,
        registered_on: NaiveDate,
        holder: Box<Applicant>,
        at: DateTime<Utc>,
    },
    HolderLinked {
        owner: String,
        my_number_ref: Uuid,
        at: DateTime<Utc>,
    },
    /// Someone other than the linked holder disputed the link; the office
    /// looks into it (the registration shows LINK_DISPUTED meanwhile).
    HolderLinkDisputed {
        /// The registration's qualification (the queue lists it under it).
        qualification_code: String,
        disputed_by: String,
        /// The disputer's words, as written.
        reason: String,
        at: DateTime<Utc>,
    },
    /// A senior examiner ended the dispute: when `unlinked`, the online link
    /// is undone (no owner, the My Number before it) and may be made again.
    LinkDisputeResolved {
        unlinked: bool,
        /// The office's reasons, for the case's history.
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
    ChangeRequestFiled {
        request_id: Uuid,
        details: Box<ChangeDetails>,
        at: DateTime<Utc>,
    },
    RegisteredMattersChanged {
        request_id: Uuid,
        changes: MatterChanges,
        at: DateTime<Utc>,
    },
    CertificateReissueRequested {
        request_id: Uuid,
        at: DateTime<Utc>,
    },
    RegistrationDeleted {
        request_id: Uuid,
        reason: Option<DeletionReason>,
        at: DateTime<Utc>,
    },
    ChangeRequestClosed {
        request_id: Uuid,
        at: DateTime<Utc>,
    },
    /// A digital certificate was signed and handed to the holder.
    CertificateIssued {
        certificate_id: Uuid,
        status_index: i64,
        kid: String,
        issued_at: DateTime<Utc>,
        /// base64url of the COSE_Sign1 bytes.
        token: String,
        /// `<public url>/verify?c=<token>`: what the QR code holds (and the
        /// "certificate ready" notice links to).
        #[serde(default)]
        verification_url: String,
    },
    /// An approved suspension took effect: the title or practice is
    /// suspended from `from` until `until` (it lifts at the start of that day).
    RegistrationSuspended {
        sanction_id: Uuid,
        from: NaiveDate,
        until: NaiveDate,
        at: DateTime<Utc>,
    },
    /// The suspension ended by itself at its end date.
    SuspensionLifted {
        sanction_id: Uuid,
        at: DateTime<Utc>,
    },
    /// An approved revocation took effect: the registration ends as REVOKED.
    RegistrationRevoked {
        sanction_id: Uuid,
        on: NaiveDate,
        /// The first day the holder may be registered again in this
        /// qualification (the catalogue's bar); none when the Act sets none.
        #[serde(default)]
        barred_until: Option<NaiveDate>,
        at: DateTime<Utc>,
    },
    /// An approved renewal took effect: the registration is valid until
    /// the new date (and back on the register if it had expired).
    RegistrationRenewed {
        request_id: Uuid,
        /// The last valid day before the renewal (none for a registration
        /// that had no date).
        previous_valid_until: Option<NaiveDate>,
        valid_until: NaiveDate,
        /// For a registration that had expired: the status it returns to
        /// (REGISTERED, or SUSPENDED while a suspension still runs); none
        /// when it had not expired (its status stays).
        revived_as: Option<CaseStatus>,
        at: DateTime<Utc>,
    },
    /// The holder was reminded that the registration expires on
    /// `valid_until` (180, 90 or 30 days before it).
    RenewalReminded {
        valid_until: NaiveDate,
        days_before: u32,
        at: DateTime<Utc>,
    },
    /// The day after `valid_until` came without a renewal: the registration
    /// reads EXPIRED (its certificates SUSPENDED) until it is renewed.
    RegistrationExpired {
        valid_until: NaiveDate,
        at: DateTime<Utc>,
    },
    /// An approved ENDORSEMENT request added an endorsement, named as the
    /// catalogue named it when the request was filed.
    EndorsementAdded {
        request_id: Uuid,
        code: String,
        name_ja: String,
        name_en: String,
        at: DateTime<Utc>,
    },
    /// An approved ENDORSEMENT request removed an endorsement.
    EndorsementRemoved {
        request_id: Uuid,
        code: String,
        name_ja: String,
        name_en: String,
        at: DateTime<Utc>,
    },
    /// The examination events shared with change requests, stored flat.
    #[serde(skip)]
    Examination(ExaminationEvent),
}

stored_flat!(RegistrationEvent);

impl RegistrationEvent {
    /// When the case ended (withdrawn, rejected, deleted), if this event ends it.
    pub fn ends_case(&self) -> Option<DateTime<Utc>> {
        match self {
            RegistrationEvent::RegistrationDeleted { at, .. } => Some(*at),
            RegistrationEvent::Examination(e) => e.ends_case(),
            _ => None,
        }
    }

    /// The status a registration has after this event, when the event changes it.
    pub fn status_after(&self) -> Option<CaseStatus> {
        match self {
            RegistrationEvent::ApplicationSubmitted { .. } => Some(CaseStatus::Submitted),
            RegistrationEvent::Registered { .. } => Some(CaseStatus::Registered),
            RegistrationEvent::RegistrationDeleted { .. } => Some(CaseStatus::Deleted),
            RegistrationEvent::RegistrationImported { .. } => Some(CaseStatus::Registered),
            RegistrationEvent::HolderLinked { .. }
            | RegistrationEvent::HolderLinkDisputed { .. }
            | RegistrationEvent::LinkDisputeResolved { .. } => None,
            RegistrationEvent::ChangeRequestFiled { .. }
            | RegistrationEvent::RegisteredMattersChanged { .. }
            | RegistrationEvent::CertificateReissueRequested { .. }
            | RegistrationEvent::ChangeRequestClosed { .. }
            | RegistrationEvent::CertificateIssued { .. } => None,
            RegistrationEvent::RegistrationSuspended { .. } => Some(CaseStatus::Suspended),
            RegistrationEvent::SuspensionLifted { .. } => Some(CaseStatus::Registered),
            RegistrationEvent::RegistrationRevoked { .. } => Some(CaseStatus::Revoked),
            RegistrationEvent::RegistrationExpired { .. } => Some(CaseStatus::Expired),
            RegistrationEvent::RegistrationRenewed { revived_as, .. } => *revived_as,
            RegistrationEvent::RenewalReminded { .. } => None,
            RegistrationEvent::EndorsementAdded { .. }
            | RegistrationEvent::EndorsementRemoved { .. } => None,
            RegistrationEvent::Examination(e) => e.status_after(),
        }
    }
}

impl DomainEvent for RegistrationEvent {
    fn event_type(&self) -> String {
        match self {
            RegistrationEvent::ApplicationSubmitted { .. } => "ApplicationSubmitted",
            RegistrationEvent::Registered { .. } => "Registered",
            RegistrationEvent::ChangeRequestFiled { .. } => "ChangeRequestFiled",
            RegistrationEvent::RegistrationImported { .. } => "RegistrationImported",
            RegistrationEvent::HolderLinked { .. } => "HolderLinked",
            RegistrationEvent::HolderLinkDisputed { .. } => "HolderLinkDisputed",
            RegistrationEvent::LinkDisputeResolved { .. } => "LinkDisputeResolved",
            RegistrationEvent::RegisteredMattersChanged { .. } => "RegisteredMattersChanged",
            RegistrationEvent::CertificateReissueRequested { .. } => "CertificateReissueRequested",
            RegistrationEvent::RegistrationDeleted { .. } => "RegistrationDeleted",
            RegistrationEvent::ChangeRequestClosed { .. } => "ChangeRequestClosed",
            RegistrationEvent::CertificateIssued { .. } => "CertificateIssued",
            RegistrationEvent::RegistrationSuspended { .. } => "RegistrationSuspended",
            RegistrationEvent::SuspensionLifted { .. } => "SuspensionLifted",
            RegistrationEvent::RegistrationRevoked { .. } => "RegistrationRevoked",
            RegistrationEvent::RegistrationRenewed { .. } => "RegistrationRenewed",
            RegistrationEvent::RenewalReminded { .. } => "RenewalReminded",
            RegistrationEvent::RegistrationExpired { .. } => "RegistrationExpired",
            RegistrationEvent::EndorsementAdded { .. } => "EndorsementAdded",
            RegistrationEvent::EndorsementRemoved { .. } => "EndorsementRemoved",
            RegistrationEvent::Examination(e) => e.event_type(),
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
