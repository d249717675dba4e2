//! HTTP load: clients submit applications (and, when asked, pay them), at
//! full speed or paced to a rate.

use std::time::{Duration, Instant};

use chrono::Utc;
use domain::my_number::with_check_digit;
use rand::Rng;
use serde_json::json;
use workers::payment::sandbox::SandboxSigner;

use super::{percentile, BoxError};

/// What a load phase did.
pub struct LoadResult {
    pub commands: usize,
    pub submits: usize,
    pub errors: usize,
    /// What the first few errors were (a status or a transport error).
    pub failures: Vec<String>,
    pub elapsed: f64,
    pub latencies_ms: Vec<f64>,
}

/// Failures described per phase (or soak minute); the rest are only counted.
const FAILURES_KEPT: usize = 5;

/// Why a request failed, for a phase's report: its status and path, or its
/// transport error.
pub(super) fn failure(r: &Result<reqwest::Response, reqwest::Error>) -> String {
    match r {
        Ok(r) => format!("{} from {}", r.status(), r.url().path()),
        Err(e) => format!("no answer: {e}"),
    }
}

/// Keeps `what` if fewer than [`FAILURES_KEPT`] failures are kept.
pub(super) fn keep(failures: &mut Vec<String>, what: String) {
    if failures.len() < FAILURES_KEPT {
        failures.push(what);
    }
}

impl LoadResult {
    /// Prints counts, rate and latency percentiles.
    pub fn print(&self) {
        let mut l = self.latencies_ms.clone();
        println!(
            "commands {} ({} submits), errors {}, {:.1} commands/s, latency p50 {:.1} ms, p99 {:.1} ms",
            self.commands,
            self.submits,
            self.errors,
            self.commands as f64 / self.elapsed,
            percentile(&mut l, 50.0),
            percentile(&mut l, 99.0),
        );
        for f in &self.failures {
            println!("  failed: {f}");
        }
    }
}

fn application(n: u64) -> serde_json::Value {
    let base: u64 = rand::rng().random_range(10_000_000_000..99_999_999_999);
    json!({
        "qualification_code": "CARE_WORKER",
        "family_name": "山田", "given_name": "花子",
        "family_name_kana": "ヤマダ", "given_name_kana": "ハナコ",
        "date_of_birth": "1990-04-01",
        "address": format!("東京都千代田区霞が関1-{n}"),
        "registered_domicile": "東京都千代田区",
        "email": "hanako@example.jp",
        "my_number": with_check_digit(&base.to_string()),
        "exam_pass_number": format!("P{n:08}"),
    })
}

/// Each client submits an application (and pays it when `pay` is set), until
/// time is up; with a rate, clients pace themselves to that many rounds per
/// second in total.
pub async fn load(
    base: &str,
    token: &str,
    signer: &SandboxSigner,
    clients: usize,
    seconds: u64,
    rate: Option<f64>,
    pay: bool,
) -> Result<LoadResult, BoxError> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let base = base.to_owned();
        let token = token.to_owned();
        let signer = signer.clone();
        let interval = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let (mut commands, mut submits, mut errors, mut lat) = (0, 0, 0, Vec::new());
            let mut failures = Vec::new();
            let mut n = c as u64 * 1_000_000;
            // Paced clients keep to a schedule: a slow round is made up by
            // the next, so the phase asks for the rate it names.
            // Starts are spread over one interval.
            let mut next = tokio::time::Instant::now()
                + interval.map_or(Duration::ZERO, |i| i.mul_f64(c as f64 / clients as f64));
            tokio::time::sleep_until(next).await;
            while Instant::now() < deadline {
                n += 1;
                let t = Instant::now();
                let r = http
                    .post(format!("{base}/v1/registrations"))
                    .bearer_auth(&token)
                    .json(&application(n))
                    .send()
                    .await;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                // The id from Location; the body is read (so the connection
                // is reused) but not parsed, as a lean client would.
                let id = match r {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let id = r
                            .headers()
                            .get("location")
                            .and_then(|l| l.to_str().ok())
                            .and_then(|l| l.rsplit('/').next())
                            .map(str::to_owned);
                        r.bytes().await.ok().and(id)
                    }
                    other => {
                        keep(&mut failures, failure(&other));
                        None
                    }
                };
                commands += 1;
                let Some(id) = id else {
                    errors += 1;
                    continue;
                };
                submits += 1;
                if pay {
                    let t = Instant::now();
                    let paid = http
                        .post(format!(
                            "{base}/sandbox/payments/{id}/pay?token={}",
                            signer.token(&id, Utc::now().timestamp() + 3600)
                        ))
                        .send()
                        .await;
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    commands += 1;
                    if !paid.as_ref().is_ok_and(|r| r.status().is_success()) {
                        errors += 1;
                        keep(&mut failures, failure(&paid));
                    }
                }
                if let Some(interval) = interval {
                    next += interval;
                    tokio::time::sleep_until(next).await;
                }
            }
            (commands, submits, errors, failures, lat)
        }));
    }
    let mut result = LoadResult {
        commands: 0,
        submits: 0,
        errors: 0,
        failures: vec![],
        elapsed: 0.0,
        latencies_ms: vec![],
    };
    for t in tasks {
        let (c, s, e, f, l) = t.await?;
        result.commands += c;
        result.submits += s;
        result.errors += e;
        for what in f {
            keep(&mut result.failures, what);
        }
        result.latencies_ms.extend(l);
    }
    result.elapsed = started.elapsed().as_secs_f64();
    Ok(result)
}
