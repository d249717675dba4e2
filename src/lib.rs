//! shikaku: configuration, start-up and the command line, wiring the
//! `domain`, `eventstore`, `views`, `adapters`, `workers` and `api` crates into one binary.

pub mod bench;
pub mod bench_certificates;
pub mod bench_sd_jwt;
pub mod bench_status_lists;
pub mod certificate_keys;
pub mod config;
pub mod embedded_pg;
pub mod import;
pub mod ministry_clients;
pub mod startup;
pub mod telemetry;
pub mod verify;

pub use config::Settings;
pub use startup::Application;
