//! A crash under load: many clients submit with Idempotency-Keys while senior
//! examiners approve concurrently; the server process is killed with SIGKILL
//! mid-run, restarted, and every request is retried. Every key maps to
//! exactly one application, no event is lost or doubled, no orphan vault row
//! remains, every view equals its rebuild, and the registration numbers run
//! 1..N without a gap.

mod killed_server;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{application, created_id, fresh_database, my_number};
use api::auth::TokenKeys;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use workers::payment::sandbox::SandboxSigner;

const SECRET: &str = "crash-test-secret-of-at-least-32-bytes";

const CLIENTS: usize = 12;

const APPROVALS: usize = 16;

const VIEWS: [&str; 5] = [
    "registration_status",
    "examiner_queue",
    "register",
    "change_request_status",
    "certificate_status",
];

/// The built `shikaku` binary serving on a free port, as a separate process.
struct Server {
    child: Child,
    base: String,
}

fn command(database_url: &str, data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shikaku"));
    cmd.env("DATABASE_URL", database_url)
        .env("SHIKAKU_JWT_SECRET", SECRET)
        .env("SHIKAKU_VAULT_KEY", "22".repeat(32))
        .env("SHIKAKU_DATA_DIR", data_dir)
        .env("SHIKAKU_DB_MAX_CONNECTIONS", "16")
        .env("SHIKAKU_JOB_BACKOFF_BASE_MS", "50")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

impl Server {
    fn start(database_url: &str, data_dir: &std::path::Path) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .unwrap();
        let mut child = command(database_url, data_dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(log)
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
        Self { child, base }
    }

    /// SIGKILL: no shutdown code runs, open transactions die with the connections.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// Sends until the server answers (it may be dead or still starting).
async fn send(request: impl Fn() -> reqwest::RequestBuilder) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match request().send().await {
            Ok(r) if r.status() != StatusCode::SERVICE_UNAVAILABLE => return r,
            _ if Instant::now() > deadline => panic!("no answer within a minute"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn status(http: &reqwest::Client, base: &str, token: &str, id: &str) -> Value {
    let r = send(|| {
        http.get(format!("{base}/v1/registrations/{id}"))
            .bearer_auth(token)
    })
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Submits, pays and claims an application, and proposes its approval.
async fn proposed(http: &reqwest::Client, base: &str, n: usize) -> String {
    let keys = TokenKeys::new(SECRET.as_bytes());
    let applicant = keys.mint("crash-holder", Role::Applicant, 3600);
    let examiner = keys.mint("crash-examiner", Role::Examiner, 3600);
    let body = application(&my_number(&format!("7{n:010}")));
    let r = send(|| {
        http.post(format!("{base}/v1/registrations"))
            .bearer_auth(&applicant)
            .json(&body)
    })
    .await;
    let id = created_id(r).await;
    let signer = SandboxSigner::new(SECRET.as_bytes());
    let token = signer.token(&id, chrono::Utc::now().timestamp() + 3600);
    let r = send(|| http.post(format!("{base}/sandbox/payments/{id}/pay?token={token}"))).await;
    assert!(r.status().is_success(), "paid: {}", r.status());
    // The inquiry job asks the registers; then the case is under examination.
    for _ in 0..600 {
        if status(http, base, &examiner, &id).await["status"] == "UNDER_EXAMINATION" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (path, body) in [
        ("assignment", json!({})),
        ("decision-proposals", json!({"outcome": "APPROVE"})),
    ] {
        let r = send(|| {
            http.post(format!("{base}/v1/registrations/{id}/{path}"))
                .bearer_auth(&examiner)
                .json(&body)
        })
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    id
}

/// Every subscription has read every event and no due job is left.
async fn settle(pool: &PgPool) {
    for _ in 0..2400 {
        let (behind, jobs): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM subscription_checkpoints c
                     WHERE EXISTS (SELECT 1 FROM events e
                                   WHERE (e.transaction_id, e.global_position) >
                                         (c.last_transaction_id, c.last_global_position))),
                    (SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')
                            AND run_at <= now() + interval '2 seconds')",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if behind == 0 && jobs == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("subscriptions and jobs did not settle");
}

async fn view_rows(pool: &PgPool, view: &str) -> Vec<String> {
    sqlx::query_scalar(&format!("SELECT t::text FROM {view} t ORDER BY 1"))
        .fetch_all(pool)
        .await
        .unwrap()
}

type Sent = Arc<Mutex<Vec<(String, Value, Option<String>)>>>;
