//! What a verifier concludes about a certificate token.

use crate::token::verify_certificate_token;
use crate::{encoding, Claims, Invalid, KeySet, Status};

/// VALID, SUSPENDED, REVOKED or INVALID, with the certified facts when genuine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Genuine and current.
    Valid { claims: Claims, kid: String },
    /// Genuine, but suspended for now (it may become valid again).
    Suspended { claims: Claims, kid: String },
    /// Genuine, but revoked or superseded, for good.
    Revoked { claims: Claims, kid: String },
    /// Not a genuine certificate (or its status cannot be established).
    Invalid(Invalid),
}

impl Verdict {
    /// The verdict of a genuine certificate whose status list entry reads `status`.
    pub fn of_status(claims: Claims, kid: String, status: Status) -> Verdict {
        match status {
            Status::Valid => Verdict::Valid { claims, kid },
            Status::Suspended => Verdict::Suspended { claims, kid },
            Status::Invalid => Verdict::Revoked { claims, kid },
        }
    }

    /// `VALID`, `SUSPENDED`, `REVOKED` or `INVALID`.
    pub fn result(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "VALID",
            Verdict::Suspended { .. } => "SUSPENDED",
            Verdict::Revoked { .. } => "REVOKED",
            Verdict::Invalid(_) => "INVALID",
        }
    }

    /// The claims of a genuine certificate.
    pub fn claims(&self) -> Option<&Claims> {
        match self {
            Verdict::Valid { claims, .. }
            | Verdict::Suspended { claims, .. }
            | Verdict::Revoked { claims, .. } => Some(claims),
            Verdict::Invalid(_) => None,
        }
    }

    /// The id of the key that signed a genuine certificate.
    pub fn kid(&self) -> Option<&str> {
        match self {
            Verdict::Valid { kid, .. }
            | Verdict::Suspended { kid, .. }
            | Verdict::Revoked { kid, .. } => Some(kid),
            Verdict::Invalid(_) => None,
        }
    }
}

/// Verifies what a person gives (a token or a verification URL) against
/// `keys`; `status` answers for a status index what the list says (None:
/// the status list does not cover it, which makes the verdict INVALID).
pub fn verify_certificate(
    input: &str,
    keys: &KeySet,
    status: impl FnOnce(u64) -> Option<Status>,
) -> Verdict {
    let bytes = match encoding::token_bytes(encoding::token_from_input(input)) {
        Ok(bytes) if !bytes.is_empty() => bytes,
        Ok(_) => return Verdict::Invalid(Invalid::NotCose),
        Err(e) => return Verdict::Invalid(e),
    };
    let (claims, kid) = match verify_certificate_token(&bytes, keys) {
        Ok(ok) => ok,
        Err(e) => return Verdict::Invalid(e),
    };
    match status(claims.status.idx) {
        Some(s) => Verdict::of_status(claims, kid, s),
        None => Verdict::Invalid(Invalid::StatusList(
            "the status list does not cover this certificate; fetch a newer one",
        )),
    }
}
