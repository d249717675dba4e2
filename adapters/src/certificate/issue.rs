//! Issuing a certificate: allocate its status list entry (a random position),
//! sign its claims, and record it on the registration with
//! `IssueCertificate`. Safe to repeat: the certificate id comes from the
//! caller's dedupe key, the entry is allocated once per id, and the command
//! is a no-op for an id already issued.

use std::sync::Arc;

use certificate::encoding::{b64, compact_verification_url};
use certificate::token::sign_certificate;
use certificate::{CertificateFacts, Claims, SigningKey, StatusReference};
use chrono::{DateTime, FixedOffset, Utc};
use domain::catalogue::InForce;
use domain::examination::CaseStatus;
use domain::registration::{QualificationRegistration, RegistrationCommand};
use domain::DomainError;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::status::{allocate_status_entry, StatusRef};
use eventstore::store::{CommandBus, CommandError};
use eventstore::ProjectionError;

/// What one issue attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    /// A new certificate was recorded.
    Issued(Uuid),
    /// This certificate id was recorded before (a repeated job).
    AlreadyIssued(Uuid),
    /// The registration is deleted or not on the register: nothing to certify.
    NotApplicable,
}

/// Signs and records certificates.
pub struct CertificateIssuer {
    pool: PgPool,
    registrations: Arc<CommandBus<QualificationRegistration>>,
    catalogue: InForce,
    key: Arc<SigningKey>,
    public_url: String,
}

impl CertificateIssuer {
    /// An issuer signing with `key` as the office at `public_url`.
    pub fn new(
        pool: PgPool,
        registrations: Arc<CommandBus<QualificationRegistration>>,
        catalogue: InForce,
        key: Arc<SigningKey>,
        public_url: &str,
    ) -> Self {
        Self {
            pool,
            registrations,
            catalogue,
            key,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The certificate id for a dedupe key (a UUID of version 8 from SHA-256).
    pub fn certificate_id(dedupe_key: &str) -> Uuid {
        let digest = Sha256::digest(dedupe_key.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_custom_bytes(bytes).into_uuid()
    }

    /// Issues the certificate of `registration_id` for the event behind `dedupe_key`.
    pub async fn issue(
        &self,
        registration_id: Uuid,
        dedupe_key: &str,
    ) -> Result<IssueOutcome, ProjectionError> {
        let certificate_id = Self::certificate_id(dedupe_key);
        let id = registration_id.to_string();
        let (reg, _) = self.registrations.load(&id).await.map_err(command)?;
        if reg.issued_certificates.contains(&certificate_id) {
            return Ok(IssueOutcome::AlreadyIssued(certificate_id));
        }
        if reg.status() != CaseStatus::Registered {
            return Ok(IssueOutcome::NotApplicable);
        }
        let now = Utc::now();
        let mut conn = self.pool.acquire().await?;
        let status =
            allocate_status_entry(&mut conn, &self.public_url, certificate_id, registration_id)
                .await?;
        drop(conn);
        let status_index = status.idx as i64;
        let claims = self.claims(&reg, certificate_id, status, now)?;
        let signed = sign_certificate(&claims, &self.key);
        let token = b64(&signed);
        let issue = RegistrationCommand::IssueCertificate {
            certificate_id,
            status_index,
            kid: self.key.kid().to_owned(),
            issued_at: now,
            verification_url: compact_verification_url(&self.public_url, &signed),
            token,
        };
        match self
            .registrations
            .execute(&id, issue, None, Default::default())
            .await
        {
            Ok(_) => Ok(IssueOutcome::Issued(certificate_id)),
            Err(CommandError::Domain(
                DomainError::RegistrationDeleted | DomainError::NotRegistered,
            )) => Ok(IssueOutcome::NotApplicable),
            Err(e) => Err(command(e)),
        }
    }

    fn claims(
        &self,
        reg: &QualificationRegistration,
        certificate_id: Uuid,
        status: StatusRef,
        now: DateTime<Utc>,
    ) -> Result<Claims, ProjectionError> {
        let missing =
            |what: &str| ProjectionError::Certificate(format!("registration has no {what}"));
        let holder = reg.applicant.as_ref().ok_or_else(|| missing("holder"))?;
        let qualification = self
            .catalogue
            .qualification(&reg.qualification_code)
            .ok_or_else(|| missing("known qualification"))?;
        // The office works in Japan: the issue date is the Japanese calendar day.
        let japan = FixedOffset::east_opt(9 * 3600).ok_or_else(|| missing("time zone"))?;
        Ok(Claims {
            issuer: self.public_url.clone(),
            issued_at: now.timestamp(),
            facts: CertificateFacts {
                certificate_id,
                qualification_code: qualification.code.clone(),
                qualification_name: qualification.name_ja.clone(),
                family_name: holder.family_name.clone(),
                given_name: holder.given_name.clone(),
                family_name_kana: holder.family_name_kana.clone(),
                given_name_kana: holder.given_name_kana.clone(),
                date_of_birth: holder.date_of_birth,
                registration_number: reg
                    .registration_number
                    .clone()
                    .ok_or_else(|| missing("registration number"))?,
                registered_on: reg
                    .registered_on
                    .ok_or_else(|| missing("registration date"))?,
                issued_on: now.with_timezone(&japan).date_naive(),
                nationality: holder.nationality.clone(),
            },
            status: StatusReference {
                idx: status.idx,
                uri: status.uri,
            },
        })
    }
}

fn command(e: CommandError<DomainError>) -> ProjectionError {
    ProjectionError::Command(e.to_string())
}
