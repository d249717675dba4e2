//! Side effects, run reliably: the job queue (an outbox fed by subscriptions),
//! the worker loop that claims jobs, and each job kind (register inquiry,
//! payments).

pub mod cases;
pub mod certificate;
pub mod error;
pub mod inquiry;
pub mod notification;
pub mod queue;
pub mod worker;

pub use error::WorkerError;
pub use queue::{enqueue, Job, JobState, NewJob};
pub use worker::{JobError, JobHandler, Worker, WorkerOptions};
pub mod payment;
pub mod webhook;
