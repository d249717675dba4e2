//! Side effects, run reliably: the job queue (an outbox fed by subscriptions),
//! the worker loop that claims jobs, each job kind (register inquiry,
//! payments, certificates, mail, ministry webhooks, the shredding of My
//! Numbers whose retention is over, a suspension's end, renewal reminders
//! and expiries), and the
//! change-request and sanction processes, whose effects are commands on
//! registrations.

pub mod cases;
pub mod certificate;
pub mod error;
pub mod inquiry;
pub mod job_kind;
pub mod jobs;
pub mod notification;
pub mod payment;
pub mod process;
pub mod renewal;
pub mod retention;
pub mod sanction;
pub mod trace_context;
pub mod webhook;
pub mod worker;

pub use error::WorkerError;
pub use job_kind::{JobArgs, Work};
pub use jobs::{enqueue, Job, JobState, NewJob};
pub use worker::{JobError, JobHandler, Worker, WorkerOptions, BUSY_SHARE};
