//! The read models built from events by catch-up subscriptions: the
//! examiner queue, the applicant status views, the register, the ministry
//! event feed and the certificate status list. Each can be rebuilt from the
//! event store.

mod batch;
pub mod certificate_status;
pub mod change_status;
pub mod feed;
pub mod inquiry;
pub mod queue;
pub mod register;
pub mod status;
pub mod vocab;
