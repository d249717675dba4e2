//! A real SMTP server for tests: aiosmtpd (installed by `scripts/test`) on a
//! free port, run by `tests/support/smtp_server.py`, which writes every message it
//! accepts to a directory, raw and as a mail client parses it. Recipients whose
//! address starts with `refuse` are answered 550.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// aiosmtpd on a free port, writing what it receives to a directory.
pub struct SmtpServer {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_slow(0.0)
    }

    /// A server that acknowledges each message `delay` seconds after it
    /// received (and wrote) it.
    pub fn start_slow(delay: f64) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("shikaku-smtp-{}", uuid::Uuid::new_v4()));
        let mut child = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/smtp_server.py"
            ))
            .arg(port.to_string())
            .arg(&dir)
            .arg(delay.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (scripts/test installs aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        Self { child, dir, port }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in arrival order, as a mail client reads it.
    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort();
        files
            .iter()
            .map(|p| {
                let mut v: Value =
                    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
                v["raw"] = std::fs::read_to_string(p.with_extension("eml"))
                    .unwrap()
                    .into();
                v
            })
            .collect()
    }

    /// The messages to `to`, once at least `n` have arrived (waits up to 20 s).
    pub async fn wait_for(&self, to: &str, n: usize) -> Vec<Value> {
        for _ in 0..400 {
            let got = self.to(to);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{to} did not get {n} messages: {:#?}", self.to(to));
    }

    /// The messages to `to` in the order of their events (jobs run
    /// concurrently, so arrival order may differ): by Message-ID sequence
    /// within a case, cases in the order their first message arrived.
    pub fn to(&self, to: &str) -> Vec<Value> {
        let got: Vec<Value> = self
            .messages()
            .into_iter()
            .filter(|m| m["envelope_to"][0] == to)
            .collect();
        let key = |m: &Value| {
            let id = m["message_id"].as_str().unwrap_or_default().to_owned();
            let (case, rest) = id.split_once('.').unwrap_or((&id, ""));
            let sequence: i64 = rest.split('@').next().unwrap_or("").parse().unwrap_or(0);
            (case.to_owned(), sequence)
        };
        let mut cases: Vec<String> = Vec::new();
        for m in &got {
            let (case, _) = key(m);
            if !cases.contains(&case) {
                cases.push(case);
            }
        }
        let mut got = got;
        got.sort_by_key(|m| {
            let (case, sequence) = key(m);
            (cases.iter().position(|c| *c == case), sequence)
        });
        got
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
