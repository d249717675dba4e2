//! Queue flags: a case that enters examination shows REGISTRY_INQUIRY_PENDING
//! until the registers' answer is recorded (the inquiry itself is a job: see
//! the `workers` crate), a payment that did not match the fee shows
//! PAYMENT_MISMATCH, and a flag an examiner must clear (a My Number held
//! under other particulars) shows until it is cleared.

use domain::examination::ExaminationEvent;

/// Whether an examination event raises or settles queue flags.
pub fn flag_update(e: &ExaminationEvent) -> Option<FlagUpdate> {
    match e {
        ExaminationEvent::RegistryInquiryAnswered { answer, .. } => Some(FlagUpdate::Answered(
            domain::examination::inquiry_flags(answer),
        )),
        ExaminationEvent::Payment(domain::payment::PaymentEvent::PaymentMismatchFlagged {
            ..
        }) => Some(FlagUpdate::Add(
            domain::payment::PAYMENT_MISMATCH.to_owned(),
        )),
        ExaminationEvent::FlagRaised { flag, .. } => Some(FlagUpdate::Add(flag.clone())),
        ExaminationEvent::FlagCleared { flag, .. } => Some(FlagUpdate::Remove(flag.clone())),
        e if e.starts_examination() => Some(FlagUpdate::Pending),
        _ => None,
    }
}

/// A change to a case's queue flags.
pub enum FlagUpdate {
    /// The registers are being asked.
    Pending,
    /// The registers answered; these flags replace the pending one.
    Answered(Vec<String>),
    /// A flag raised beside the others (a payment problem, a My Number
    /// held under other particulars).
    Add(String),
    /// A flag an examiner cleared.
    Remove(String),
}
