//! Recording a signed digital certificate on its registration: once per
//! certificate id (a re-run job records nothing), and only while the
//! registration stands on the register unsuspended and unexpired.

use super::aggregate::QualificationRegistration;
use super::command::RegistrationCommand;
use super::event::RegistrationEvent;
use crate::examination::CaseStatus;
use crate::DomainError;

impl QualificationRegistration {
    pub(super) fn issue_certificate(
        &self,
        command: RegistrationCommand,
    ) -> Result<Vec<RegistrationEvent>, DomainError> {
        let RegistrationCommand::IssueCertificate {
            certificate_id,
            status_index,
            kid,
            issued_at,
            token,
            verification_url,
        } = command
        else {
            return Ok(vec![]);
        };
        if self.issued_certificates.contains(&certificate_id) {
            return Ok(vec![]);
        }
        match self.status() {
            CaseStatus::Registered => {}
            CaseStatus::Deleted => return Err(DomainError::RegistrationDeleted),
            _ => return Err(DomainError::NotRegistered),
        }
        Ok(vec![RegistrationEvent::CertificateIssued {
            certificate_id,
            status_index,
            kid,
            issued_at,
            token,
            verification_url,
        }])
    }
}
