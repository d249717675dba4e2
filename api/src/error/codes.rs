//! Every stable `code` a problem document can carry, with what it means:
//! published as the `ProblemCode` enum of the spec. The test below finds
//! every code the sources send, so a new one cannot be left out.

/// (code, one-line meaning), alphabetical.
pub const PROBLEM_CODES: &[(&str, &str)] = &[
    (
        "ALLOCATION_FAILED",
        "The registration number could not be allocated; try again",
    ),
    (
        "ALREADY_ASSIGNED",
        "The case is already assigned to another examiner",
    ),
    ("ALREADY_DECIDED", "The case is already decided"),
    ("ALREADY_EXISTS", "A case with this id already exists"),
    (
        "ALREADY_REGISTERED",
        "This qualification is already registered, or applied for, under this My Number",
    ),
    (
        "ASSIGN_OTHERS_FORBIDDEN",
        "An examiner may only assign a case to themselves",
    ),
    (
        "ATTACHMENT_REQUIRED",
        "Attach the requested document to answer this request",
    ),
    ("BODY_UNREADABLE", "The request body could not be read"),
    (
        "CASE_NOT_ASSIGNED",
        "The case must be assigned to an examiner first",
    ),
    (
        "CATALOGUE_VERSION_NOT_NEWER",
        "A catalogue version must be above the one in force",
    ),
    (
        "CERTIFICATE_NOT_ISSUED",
        "No certificate has been issued for the registration yet",
    ),
    (
        "CHANGE_REQUEST_OPEN",
        "A change request of this kind is already open for the registration",
    ),
    (
        "CONCURRENT_MODIFICATION",
        "Another request changed the case at the same time; reload and retry (Retry-After)",
    ),
    (
        "CSRF_FAILED",
        "A form was posted without its session's anti-forgery token (portal and console forms)",
    ),
    (
        "ENDORSEMENT_ALREADY_HELD",
        "The registration already carries this endorsement (ENDORSEMENT with action ADD)",
    ),
    (
        "ENDORSEMENT_NOT_HELD",
        "The registration does not carry this endorsement (ENDORSEMENT with action REMOVE)",
    ),
    (
        "FEE_UNKNOWN",
        "The fee of this procedure is not known yet, so it cannot be applied for",
    ),
    (
        "FLAG_NOT_CLEARED",
        "A flag on the case must be cleared with a reason before approval",
    ),
    ("FLAG_NOT_RAISED", "The case has no such open flag"),
    (
        "FOUR_EYES_REQUIRED",
        "The decision must be approved by a senior examiner other than the proposer",
    ),
    (
        "IDEMPOTENCY_KEY_REUSED",
        "The Idempotency-Key was used before with a different request",
    ),
    (
        "INSUFFICIENT_SCOPE",
        "The client's token does not grant the scope this operation needs",
    ),
    (
        "INTERNAL",
        "Internal error; logged, the detail says nothing more",
    ),
    (
        "INVALID_CHARACTER",
        "A control character, or bytes that are not UTF-8, in the path or query",
    ),
    (
        "INVALID_CURSOR",
        "The cursor is not one this server gave out",
    ),
    (
        "INVALID_IDEMPOTENCY_KEY",
        "The Idempotency-Key header is not 1 to 255 printable characters",
    ),
    (
        "INVALID_IF_MATCH",
        "The If-Match header is not a version this server sends as ETag",
    ),
    ("INVALID_LIMIT", "The limit is outside its range"),
    (
        "INVALID_PURPOSE",
        "The stated purpose of the look-up is not one of the allowed purposes",
    ),
    (
        "INVALID_QUERY",
        "The query string is invalid (an unknown parameter or a bad value)",
    ),
    (
        "INVALID_SANCTION_PERIOD",
        "A suspension ends after it starts; a revocation has no end date",
    ),
    (
        "INVALID_STRIPE_EVENT",
        "The Stripe event could not be understood",
    ),
    (
        "INVALID_STRIPE_SIGNATURE",
        "The Stripe-Signature header does not verify",
    ),
    ("JOB_NOT_RETRYABLE", "Only a dead job can be retried"),
    ("LINK_CODE_WRONG", "The link confirmation code is wrong"),
    (
        "LINK_EXPIRED",
        "The link confirmation code has expired; ask for a new letter",
    ),
    (
        "LINK_NOT_MATCHED",
        "No registration matches the details (the same answer in every case)",
    ),
    ("MALFORMED_FORM", "A form body could not be read"),
    ("MALFORMED_JSON", "The body is not valid JSON"),
    (
        "MALFORMED_MULTIPART",
        "The body is not valid multipart/form-data",
    ),
    (
        "NOT_ACTION_REQUIRED",
        "The case is not waiting for the applicant's response",
    ),
    (
        "NOT_ASSIGNED_EXAMINER",
        "Only the assigned examiner may act on this case",
    ),
    ("NOT_AWAITING_PAYMENT", "The case is not awaiting payment"),
    (
        "NOT_A_PAPER_CASE",
        "Only paper cases take records of what came by post",
    ),
    ("NOT_FOUND", "The resource does not exist or is not yours"),
    (
        "NOT_LINKED",
        "The registration was not linked online, so there is no link to dispute",
    ),
    ("NOT_REGISTERED", "The registration is not on the register"),
    ("NOT_UNDER_EXAMINATION", "The case is not under examination"),
    (
        "NO_DISPUTE",
        "No dispute of the registration's link is open",
    ),
    ("NO_PROPOSAL", "There is no decision proposal to approve"),
    ("PAYLOAD_TOO_LARGE", "The body is larger than the limit"),
    (
        "PAYMENT_AMOUNT_MISMATCH",
        "The amount paid is not the fee assessed",
    ),
    (
        "PRECONDITION_FAILED",
        "If-Match names another version than the case's",
    ),
    (
        "PREFECTURE_UNKNOWN",
        "The registering prefecture cannot be told from the address or domicile",
    ),
    (
        "PROCEDURE_NOT_OFFERED",
        "The qualification has no fee for this procedure",
    ),
    (
        "PROCEDURE_NOT_YET_ONLINE",
        "The procedure is not yet offered online for this qualification (apply on paper)",
    ),
    ("PROPOSAL_PENDING", "A decision proposal is already pending"),
    (
        "RATE_LIMITED",
        "The client is over its request rate (Retry-After)",
    ),
    (
        "READ_THROUGH_CASE",
        "Read the document through its case's attachment URL",
    ),
    ("REASON_REQUIRED", "A reason is required"),
    (
        "RECEIVED_IN_FUTURE",
        "The date received cannot be in the future",
    ),
    ("REGISTRATION_DELETED", "The registration was deleted"),
    (
        "REGISTRATION_REVOKED",
        "The registration was revoked by a sanction",
    ),
    (
        "REQUEST_IN_FLIGHT",
        "A request with this Idempotency-Key is still being processed; retry later",
    ),
    (
        "REREGISTRATION_BARRED",
        "After a revocation, this qualification cannot be registered again under this My Number before the date given",
    ),
    (
        "SERVICE_UNAVAILABLE",
        "The database is briefly unreachable; retry later (Retry-After)",
    ),
    (
        "SUBSCRIPTION_DISABLED",
        "The webhook subscription is disabled",
    ),
    (
        "TOO_MANY_ATTEMPTS",
        "Too many attempts; retry after Retry-After seconds",
    ),
    ("UNAUTHENTICATED", "No valid token"),
    (
        "UNKNOWN_ENDORSEMENT",
        "The registration's qualification defines no such endorsement",
    ),
    ("UNKNOWN_QUALIFICATION", "Unknown qualification code"),
    (
        "UNSUPPORTED_MEDIA_TYPE",
        "The body's media type is not accepted here",
    ),
    (
        "VALIDATION_FAILED",
        "Invalid fields, each in `errors` with its pointer and code",
    ),
    (
        "VERIFIED_IDENTITY_REQUIRED",
        "This needs an identity the provider verified",
    ),
    ("WRONG_ROLE", "The caller's role may not do this"),
];

#[cfg(test)]
mod tests {
    use super::PROBLEM_CODES;
    use std::path::Path;

    /// The SCREAMING_CASE string literals after `marker` in `text`.
    fn codes_after<'a>(text: &'a str, marker: &str, found: &mut Vec<&'a str>) {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            let word = rest.split('"').next().unwrap_or_default();
            let screaming =
                word.len() > 2 && word.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            if screaming {
                found.push(word);
            }
        }
    }

    fn sources(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    #[test]
    fn every_code_the_sources_send_is_listed_once() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        sources(&root.join("src"), &mut texts);
        let domain = std::fs::read_to_string(root.join("../domain/src/error.rs")).unwrap();
        let api_errors = std::fs::read_to_string(root.join("src/error.rs")).unwrap();
        let mut sent = Vec::new();
        for text in &texts {
            codes_after(text, "code: \"", &mut sent);
        }
        codes_after(&domain, "=> \"", &mut sent);
        codes_after(&api_errors, "=> \"", &mut sent);
        let listed: Vec<&str> = PROBLEM_CODES.iter().map(|(c, _)| *c).collect();
        for code in &sent {
            assert!(listed.contains(code), "{code} is not in PROBLEM_CODES");
        }
        let mut sorted = listed.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, listed, "alphabetical, each once");
    }
}
