//! A multipart body read under limits on the whole, not only on the file:
//! a declared length over the limit is refused before a byte is read, the
//! bytes are counted as they arrive (junk fields included), and so are the
//! parts. Used by `POST /v1/attachments` and the console's scanned replies.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_multipart::{Field, Multipart};
use actix_web::error::PayloadError;
use actix_web::web::{self, Bytes};
use actix_web::HttpRequest;
use futures_util::{Stream, StreamExt};

/// Text beside the documents (field names, part headers, small fields).
pub const FORM_OVERHEAD: usize = 64 * 1024;

/// Why a form could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormError {
    /// Over the limit on the body or on the parts.
    TooLarge,
    /// Not a readable multipart body.
    Malformed,
}

/// The payload, counted: over `max` bytes it ends in an error and says so.
struct Counted {
    inner: web::Payload,
    seen: usize,
    max: usize,
    exceeded: Rc<Cell<bool>>,
}

impl Stream for Counted {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.seen += chunk.len();
                if self.seen > self.max {
                    self.exceeded.set(true);
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

/// A multipart form under a limit on its body and on its number of parts.
pub struct LimitedForm {
    form: Multipart,
    exceeded: Rc<Cell<bool>>,
    parts: usize,
    max_parts: usize,
}

impl LimitedForm {
    /// The form of `req`, or [`FormError::TooLarge`] at once when its
    /// Content-Length says it is over `max_bytes`.
    pub fn new(
        req: &HttpRequest,
        payload: web::Payload,
        max_bytes: usize,
        max_parts: usize,
    ) -> Result<Self, FormError> {
        let declared = req
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > max_bytes as u64) {
            return Err(FormError::TooLarge);
        }
        let exceeded = Rc::new(Cell::new(false));
        let counted = Counted {
            inner: payload,
            seen: 0,
            max: max_bytes,
            exceeded: exceeded.clone(),
        };
        Ok(Self {
            form: Multipart::new(req.headers(), counted),
            exceeded,
            parts: 0,
            max_parts,
        })
    }

    fn error(&self) -> FormError {
        if self.exceeded.get() {
            FormError::TooLarge
        } else {
            FormError::Malformed
        }
    }

    /// The next part, if any.
    pub async fn next_part(&mut self) -> Option<Result<Field, FormError>> {
        let part = self.form.next().await?;
        self.parts += 1;
        if self.parts > self.max_parts {
            return Some(Err(FormError::TooLarge));
        }
        Some(part.map_err(|_| self.error()))
    }

    /// The whole of `field`, or [`FormError::TooLarge`] past `max` bytes.
    pub async fn read(&self, field: &mut Field, max: usize) -> Result<Vec<u8>, FormError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| self.error())?;
            if bytes.len() + chunk.len() > max {
                return Err(FormError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Reads past `field` without keeping it.
    pub async fn skip(&self, field: &mut Field) -> Result<(), FormError> {
        while let Some(chunk) = field.next().await {
            chunk.map_err(|_| self.error())?;
        }
        Ok(())
    }
}
