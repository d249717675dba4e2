//! Uploading a document, and resolving the documents a command references.

use domain::attachment::{sniff, AttachmentRef};
use uuid::Uuid;

use super::FieldError;
use super::{Error, UseCases};

/// The most attachments one command may reference.
pub const MAX_ATTACHMENTS: usize = 20;

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
}
