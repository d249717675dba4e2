//! A real webhook receiver for tests: `tests/support/webhook_receiver.py` on a free
//! port verifies each delivery with the Standard Webhooks reference library
//! (PyPI `standardwebhooks`, installed by `scripts/test`) and tells what it
//! accepted, refused or failed on purpose.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// The receiver process; stopped when dropped (its stdin closes).
pub struct WebhookReceiver {
    child: Child,
    port: u16,
    http: reqwest::Client,
}

impl WebhookReceiver {
    pub fn start() -> Self {
        let mut child = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/webhook_receiver.py"
            ))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (scripts/test installs standardwebhooks)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the webhook receiver did not start: {line:?}"));
        Self {
            child,
            port,
            http: reqwest::Client::new(),
        }
    }

    /// The URL deliveries for `name` go to.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/hooks/{name}", self.port)
    }

    /// Verifies `name`'s deliveries with `secret`; the first `fail` are
    /// answered 500 (-1: every one, 503).
    pub async fn configure(&self, name: &str, secret: &str, fail: i64) {
        self.configure_slow(name, secret, fail, 0.0).await
    }

    /// [`Self::configure`], answering each verified delivery after `delay` seconds.
    pub async fn configure_slow(&self, name: &str, secret: &str, fail: i64, delay: f64) {
        let r = self
            .http
            .post(format!("http://127.0.0.1:{}/control/configure", self.port))
            .json(&json!({"name": name, "secret": secret, "fail": fail, "delay": delay}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    /// `{"delivered": [{webhook_id, payload}], "attempts": n, "rejected": [...]}`.
    pub async fn received(&self, name: &str) -> Value {
        self.http
            .get(format!(
                "http://127.0.0.1:{}/control/received?name={name}",
                self.port
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The verified deliveries to `name`, once there are at least `n` (waits 30 s).
    pub async fn wait_for(&self, name: &str, n: usize) -> Vec<Value> {
        for _ in 0..600 {
            let got = self.received(name).await;
            let delivered = got["delivered"].as_array().cloned().unwrap_or_default();
            if delivered.len() >= n {
                assert_eq!(got["rejected"], json!([]), "signatures refused");
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{name} did not get {n} deliveries: {}",
            self.received(name).await
        );
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
