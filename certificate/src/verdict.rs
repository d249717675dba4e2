//! What a verifier concludes about a certificate token.

use crate::token::verify_certificate_token;
use crate::{encoding, Claims, Invalid, KeySet};

/// VALID, REVOKED or INVALID, with the certified facts when genuine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Genuine and not revoked.
    Valid { claims: Claims, kid: String },
    /// Genuine, but revoked or superseded.
    Revoked { claims: Claims, kid: String },
    /// Not a genuine certificate (or its status cannot be established).
    Invalid(Invalid),
}

impl Verdict {
    /// `VALID`, `REVOKED` or `INVALID`.
    pub fn result(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "VALID",
            Verdict::Revoked { .. } => "REVOKED",
            Verdict::Invalid(_) => "INVALID",
        }
    }

    /// The claims of a genuine certificate.
    pub fn claims(&self) -> Option<&Claims> {
        match self {
            Verdict::Valid { claims, .. } | Verdict::Revoked { claims, .. } => Some(claims),
            Verdict::Invalid(_) => None,
        }
    }
}

/// Verifies what a person gives (a token or a verification URL) against
/// `keys`; `revoked` answers for a status index whether it is revoked (None:
/// the status list does not cover it, which makes the verdict INVALID).
pub fn verify_certificate(
    input: &str,
    keys: &KeySet,
    revoked: impl FnOnce(u64) -> Option<bool>,
) -> Verdict {
    let bytes = match encoding::unb64(encoding::token_from_input(input)) {
        Ok(bytes) if !bytes.is_empty() => bytes,
        Ok(_) => return Verdict::Invalid(Invalid::NotCose),
        Err(e) => return Verdict::Invalid(e),
    };
    let (claims, kid) = match verify_certificate_token(&bytes, keys) {
        Ok(ok) => ok,
        Err(e) => return Verdict::Invalid(e),
    };
    match revoked(claims.status.idx) {
        Some(false) => Verdict::Valid { claims, kid },
        Some(true) => Verdict::Revoked { claims, kid },
        None => Verdict::Invalid(Invalid::StatusList(
            "the status list does not cover this certificate; fetch a newer one",
        )),
    }
}
