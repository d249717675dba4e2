//! Which registration events bear on the holder's digital certificate: the
//! ones that call for a new certificate, and the ones that revoke the
//! current one. Shared by the aggregate, the status view and the job producer.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::change_request::MatterChanges;
use crate::registration::RegistrationEvent;

/// The certificate a registration holds, as recorded by `CertificateIssued`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCertificate {
    pub certificate_id: Uuid,
    pub status_index: i64,
    pub kid: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// base64url of the COSE_Sign1 bytes.
    pub token: String,
}

/// Whether a change touches what a certificate prints (the names).
pub fn changes_printed_matters(changes: &MatterChanges) -> bool {
    changes.family_name.is_some()
        || changes.given_name.is_some()
        || changes.family_name_kana.is_some()
        || changes.given_name_kana.is_some()
}

/// Whether the event calls for a new certificate: registration, an approved
/// re-issue, an applied change of printed matters, an endorsement added or
/// removed (the certificate prints the endorsements).
pub fn calls_for_certificate(event: &RegistrationEvent) -> bool {
    match event {
        RegistrationEvent::Registered { .. }
        | RegistrationEvent::CertificateReissueRequested { .. }
        | RegistrationEvent::EndorsementAdded { .. }
        | RegistrationEvent::EndorsementRemoved { .. } => true,
        RegistrationEvent::RegisteredMattersChanged { changes, .. } => {
            changes_printed_matters(changes)
        }
        _ => false,
    }
}

/// Whether the event revokes every certificate issued before it: a re-issue,
/// a change of printed matters, the deletion or revocation of the registration.
pub fn revokes_certificates(event: &RegistrationEvent) -> bool {
    match event {
        RegistrationEvent::CertificateReissueRequested { .. }
        | RegistrationEvent::EndorsementAdded { .. }
        | RegistrationEvent::EndorsementRemoved { .. }
        | RegistrationEvent::RegistrationDeleted { .. }
        | RegistrationEvent::RegistrationRevoked { .. } => true,
        RegistrationEvent::RegisteredMattersChanged { changes, .. } => {
            changes_printed_matters(changes)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn only_name_changes_touch_the_certificate() {
        let address = RegistrationEvent::RegisteredMattersChanged {
            request_id: Uuid::nil(),
            changes: MatterChanges {
                address: Some("大阪府".into()),
                ..Default::default()
            },
            at: Utc::now(),
        };
        assert!(!calls_for_certificate(&address));
        assert!(!revokes_certificates(&address));
        let name = RegistrationEvent::RegisteredMattersChanged {
            request_id: Uuid::nil(),
            changes: MatterChanges {
                family_name: Some("佐藤".into()),
                ..Default::default()
            },
            at: Utc::now(),
        };
        assert!(calls_for_certificate(&name));
        assert!(revokes_certificates(&name));
        let deleted = RegistrationEvent::RegistrationDeleted {
            request_id: Uuid::nil(),
            reason: None,
            at: Utc::now(),
        };
        assert!(!calls_for_certificate(&deleted));
        assert!(revokes_certificates(&deleted));
    }
}
