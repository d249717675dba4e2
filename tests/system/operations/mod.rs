//! Run as the office will: `shikaku serve` as processes of their own, stopped
//! with signals, beside each other on one database.

mod cluster;
mod deploy;
mod embedded;
mod failover;
mod fleet;
mod metrics;
mod proxy;
mod replicas;
mod restore;
mod settings;
mod shutdown;
mod traces;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use api::auth::TokenKeys;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{application, my_number, JWT_SECRET, VAULT_KEY};

/// `shikaku` with the test secrets on `database_url` and a data directory
/// of its own.
fn command(database_url: &str) -> (Command, PathBuf) {
    let data_dir = std::env::temp_dir().join(format!("shikaku-ops-{}", uuid::Uuid::new_v4()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shikaku"));
    cmd.env("DATABASE_URL", database_url)
        .env("SHIKAKU_DATA_DIR", &data_dir)
        .env("SHIKAKU_JWT_SECRET", JWT_SECRET)
        .env("SHIKAKU_VAULT_KEY", VAULT_KEY)
        .env("SHIKAKU_DB_MAX_CONNECTIONS", "8")
        .env("SHIKAKU_SHUTDOWN_DRAIN_SECONDS", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    (cmd, data_dir)
}

/// A `shikaku serve` process; killed when dropped.
struct Replica {
    child: Child,
    base: String,
    data_dir: PathBuf,
}

impl Replica {
    /// Starts `serve` with `env` added; waits until it listens.
    fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let (mut cmd, data_dir) = command(database_url);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Self::spawn(cmd, data_dir)
    }

    /// Starts `serve` as `cmd` says; waits until it listens.
    fn spawn(mut cmd: Command, data_dir: PathBuf) -> Self {
        let mut child = cmd
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the shikaku binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a first line").unwrap();
        let base = first
            .strip_prefix("shikaku listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first}"))
            .trim()
            .to_owned();
        // Keep the pipe drained so the server never blocks on stdout.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            base,
            data_dir,
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name}");
    }

    /// Waits for the process to exit; panics after `within`.
    fn wait(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running after {within:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn token(role: Role, sub: &str) -> String {
    TokenKeys::new(JWT_SECRET.as_bytes()).mint(sub, role, 3600)
}

/// Subscribes `url` to submissions as MHLW; returns the signing secret.
async fn subscribe(http: &reqwest::Client, base: &str, url: &str) -> String {
    let r = http
        .post(format!("{base}/v1/webhook-subscriptions"))
        .bearer_auth(token(Role::Ministry, "MHLW"))
        .json(&json!({"url": url, "event_types": ["APPLICATION_SUBMITTED"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    body["secret"].as_str().unwrap().to_owned()
}

/// Submits an application (a notice by mail and a webhook follow); its id.
async fn submit(http: &reqwest::Client, base: &str, number: &str) -> String {
    let r = http
        .post(format!("{base}/v1/registrations"))
        .bearer_auth(token(Role::Applicant, &format!("ops-{number}")))
        .json(&application(&my_number(number)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}
