//! The system tests, one binary: each module is an area of the back office,
//! tested against a real Postgres (DATABASE_URL) and a real server on port 0.
//! `common`, `fake_stripe` and `support` are the shared harness.

mod common;
mod fake_stripe;
mod support;

mod access_log;
mod attachment_reads;
mod attachments;
mod audit;
mod bad_input;
mod catalogue;
mod certificate_documents;
mod certificates;
mod change_requests;
mod concurrency;
mod console;
mod console_sessions;
mod contract;
mod crash;
mod death_notifications;
mod endorsements;
mod feed;
mod foreign_holders;
mod fuzz;
mod generated_clients;
mod idempotency;
mod identity;
mod initial_setting;
mod job_wake;
mod jobs;
mod ministry;
mod modes;
mod notifications;
mod openapi;
mod openapi_answers;
mod openapi_text;
mod operations;
mod paper_cases;
mod payments;
mod portal;
mod portal_browser;
mod portal_sign_in;
mod private_files;
mod proposal_returns;
mod queue_names;
mod register_lookup;
mod registration_flow;
mod registry_inquiry;
mod sanctions;
mod subscriptions;
mod test_clock;
mod unavailable;
mod validation;
mod wallet;
mod webhooks;
