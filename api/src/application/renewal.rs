//! What a RENEWAL change request must carry: proof of the renewal training.
//! The rest (a qualification without a validity period has no RENEWAL
//! procedure, a revoked or deleted registration takes no request) is the
//! catalogue's and the registration's to refuse.

use uuid::Uuid;

use super::FieldError;

/// A renewal needs the renewal training's certificate attached.
pub fn check_training_certificate(errors: &mut Vec<FieldError>, attachment_ids: &[Uuid]) {
    if attachment_ids.is_empty() {
        errors.push(FieldError::new(
            "/attachment_ids",
            "REQUIRED",
            "a renewal needs the renewal training's certificate attached",
        ));
    }
}
