//! The whole procedure over HTTP: apply, pay in the sandbox, examine with four
//! eyes, and a registration number on the register.

mod examination;
mod intake;
mod my_number;
mod retention;

use crate::common;

use crate::common::{application, my_number, spawn_app};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
