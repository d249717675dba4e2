//! Uploading a document, resolving the documents a command references, and
//! reading one through the case that references it.

use adapters::audit::{self, Accessor, AuditAction, Subject};
use bytes::Bytes;
use domain::attachment::{sniff, AttachmentRef};
use domain::{Actor, CaseKind, Role};
use eventstore::store::CommandError;
use uuid::Uuid;

use super::FieldError;
use super::{Error, UseCases};

/// The most attachments one command may reference.
pub const MAX_ATTACHMENTS: usize = 20;

/// A document read through its case.
#[derive(Debug)]
pub struct CaseDocument {
    /// What was uploaded: its type, size and digest.
    pub attachment: AttachmentRef,
    /// The document.
    pub bytes: Bytes,
}

impl UseCases<'_> {
    /// Stores a document `owner` sent, if its content is a PDF, JPEG or PNG.
    pub async fn upload(&self, owner: &str, file: Vec<u8>) -> Result<AttachmentRef, Error> {
        let content_type = sniff(&file).ok_or(Error::NotADocument)?;
        Ok(self
            .attachments
            .put(owner, content_type, file.into())
            .await?)
    }

    /// Resolves the attachment ids `owner` references in a command, or
    /// [`Error::NotFound`] when one is not theirs.
    pub async fn referenced(&self, owner: &str, ids: &[Uuid]) -> Result<Vec<AttachmentRef>, Error> {
        // Each id costs a query: a body cannot make one request cost thousands.
        if ids.len() > MAX_ATTACHMENTS {
            return Err(Error::Invalid(vec![FieldError::new(
                "/attachment_ids",
                "TOO_MANY_ATTACHMENTS",
                format!("at most {MAX_ATTACHMENTS} attachments"),
            )]));
        }
        self.attachments
            .reference(ids, owner)
            .await?
            .ok_or(Error::NotFound)
    }

    /// Reads document `attachment_id` through case `case_id` of `kind` for
    /// `reader`: the applicant who owns the case, or staff who may act on it
    /// (`Examination::may_read_documents`). A staff read is recorded as
    /// `who` (with the case and the document) before the bytes are read;
    /// a refused read records nothing. A document the case's events do not
    /// reference is [`Error::NotFound`], as is someone else's case for an
    /// applicant.
    pub async fn case_document(
        &self,
        kind: CaseKind,
        case_id: Uuid,
        attachment_id: Uuid,
        reader: &Actor,
        who: &Accessor,
    ) -> Result<CaseDocument, Error> {
        if matches!(reader.role, Role::Ministry | Role::Admin) {
            return Err(Error::WrongRole(
                "only the case's applicant and the examiners on it read its documents",
            ));
        }
        let case = self
            .cases
            .load(kind, &case_id.to_string())
            .await?
            .ok_or(Error::NotFound)?;
        let staff = reader.role != Role::Applicant;
        if staff {
            case.examination
                .may_read_documents(reader)
                .map_err(|e| Error::Command(CommandError::Domain(e)))?;
        } else if case.owner.as_deref() != Some(reader.id.as_str()) {
            return Err(Error::NotFound);
        }
        let attachment = self
            .attachments
            .of_case(kind, case_id, attachment_id)
            .await?
            .ok_or(Error::NotFound)?;
        if staff {
            let subject = Subject {
                case_id: Some(case_id),
                vault_id: None,
                attachment_id: Some(attachment_id),
            };
            audit::write(self.pool, who, AuditAction::ReadAttachment, subject).await?;
        }
        let bytes = self.attachments.bytes(attachment_id).await?;
        Ok(CaseDocument { attachment, bytes })
    }
}
