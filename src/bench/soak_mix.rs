//! The rest of the soak's mix, beside the submits and payments: an examiner
//! who reads the queue and decides what is waiting (with a senior's approval,
//! four eyes), holders who file change requests on their registrations, and
//! verifiers who check the certificates issued.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::{Client, Response};
use serde_json::{json, Value};
use workers::payment::sandbox::SandboxSigner;

use super::load::{failure, keep};

/// Who the mix acts as, and where.
#[derive(Clone)]
pub struct Actors {
    pub base: String,
    pub applicant: String,
    pub examiner: String,
    pub senior: String,
    pub signer: SandboxSigner,
}

/// What one stretch of the mix did.
#[derive(Debug, Default)]
pub struct MixCounts {
    pub queue_reads: usize,
    pub examinations: usize,
    pub change_requests: usize,
    pub verifications: usize,
    /// Answers 4xx (a race with the cascade, such as a case not yet
    /// examinable): counted, not failures.
    pub refused: usize,
    /// Answers 5xx and requests that got no answer: failures.
    pub errors: usize,
    /// What the first few failures were (status or transport error, and
    /// where), so that a failed minute says what failed.
    pub failures: Vec<String>,
}

/// Registrations decided by the mix, waiting for a change request and a
/// certificate verification.
#[derive(Default)]
pub struct Register {
    /// Approved, no change request filed yet.
    unchanged: Vec<String>,
    /// Approved; their certificate is verified now and then.
    holders: Vec<String>,
    /// Certificates fetched, by registration.
    tokens: Vec<String>,
}

impl MixCounts {
    fn answer(&mut self, r: &Result<Response, reqwest::Error>) -> bool {
        match r {
            Ok(r) if r.status().is_success() => true,
            Ok(r) if r.status().is_client_error() => {
                self.refused += 1;
                false
            }
            _ => {
                self.fail(failure(r));
                false
            }
        }
    }

    /// Counts a failure and keeps its description among the first few.
    fn fail(&mut self, what: String) {
        self.errors += 1;
        keep(&mut self.failures, what);
    }
}

/// Runs the mix for `seconds`, once a tick of 100 ms: a queue read every
/// tick, and every `1/rate`-th second of work (`rate` cases/s submitted
/// elsewhere) a quarter as many examinations, a tenth as many change
/// requests and half as many certificate verifications.
pub async fn run(actors: &Actors, register: &mut Register, seconds: u64, rate: f64) -> MixCounts {
    let http = Client::new();
    let mut counts = MixCounts::default();
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let (mut exams, mut changes, mut checks) = (0.0, 0.0, 0.0);
    while Instant::now() < end {
        tick.tick().await;
        exams += rate / 4.0 / 10.0;
        changes += rate / 10.0 / 10.0;
        checks += rate / 2.0 / 10.0;
        let queue = http
            .get(format!(
                "{}/v1/queue?status=UNDER_EXAMINATION&limit=100",
                actors.base
            ))
            .bearer_auth(&actors.examiner)
            .send()
            .await;
        counts.queue_reads += 1;
        if !counts.answer(&queue) {
            continue;
        }
        let items: Value = match queue.unwrap().json().await {
            Ok(v) => v,
            Err(e) => {
                counts.fail(format!("unreadable queue: {e}"));
                continue;
            }
        };
        let waiting = items["items"].as_array().cloned().unwrap_or_default();
        for item in waiting.iter().filter(|i| i["assigned_to"].is_null()) {
            if exams < 1.0 {
                break;
            }
            exams -= 1.0;
            examine(&http, actors, item, register, &mut counts).await;
        }
        while changes >= 1.0 {
            changes -= 1.0;
            let Some(id) = register.unchanged.pop() else {
                break;
            };
            file_change(&http, actors, &id, &mut counts).await;
        }
        while checks >= 1.0 {
            checks -= 1.0;
            verify_one(&http, actors, register, &mut counts).await;
        }
    }
    counts
}

async fn post(http: &Client, url: String, token: &str) -> Result<Response, reqwest::Error> {
    http.post(url)
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
}

/// Claims, proposes and (as the senior) approves one queued case.
async fn examine(
    http: &Client,
    actors: &Actors,
    item: &Value,
    register: &mut Register,
    counts: &mut MixCounts,
) {
    let id = item["case_id"].as_str().unwrap_or_default();
    let path = match item["case_type"].as_str() {
        Some("REGISTRATION") => "registrations",
        Some("CHANGE_REQUEST") => "change-requests",
        _ => return,
    };
    let case = format!("{}/v1/{path}/{id}", actors.base);
    let claimed = post(http, format!("{case}/assignment"), &actors.examiner).await;
    if !counts.answer(&claimed) {
        return;
    }
    let proposed = http
        .post(format!("{case}/decision-proposals"))
        .bearer_auth(&actors.examiner)
        .json(&json!({"outcome": "APPROVE", "note": "soak"}))
        .send()
        .await;
    if !counts.answer(&proposed) {
        return;
    }
    let approved = post(http, format!("{case}/decision-approvals"), &actors.senior).await;
    if counts.answer(&approved) {
        counts.examinations += 1;
        if path == "registrations" {
            register.unchanged.push(id.to_owned());
            register.holders.push(id.to_owned());
        }
    }
}

/// Files a change of address on a registration and pays it when a fee is due.
async fn file_change(http: &Client, actors: &Actors, registration: &str, counts: &mut MixCounts) {
    let filed = http
        .post(format!(
            "{}/v1/registrations/{registration}/change-requests",
            actors.base
        ))
        .bearer_auth(&actors.applicant)
        .json(&json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区1-1"}}))
        .send()
        .await;
    if !counts.answer(&filed) {
        return;
    }
    counts.change_requests += 1;
    let body = match filed.unwrap().json::<Value>().await {
        Ok(body) => body,
        Err(e) => return counts.fail(format!("unreadable change request: {e}")),
    };
    if body["status"] == "AWAITING_PAYMENT" {
        let id = body["id"].as_str().unwrap_or_default();
        let token = actors.signer.token(id, Utc::now().timestamp() + 3600);
        let paid = http
            .post(format!(
                "{}/sandbox/payments/{id}/pay?token={token}",
                actors.base
            ))
            .send()
            .await;
        counts.answer(&paid);
    }
}

/// Verifies the certificate of a registration the mix approved (fetching it
/// first when it has not been; one not issued yet is tried again later).
async fn verify_one(
    http: &Client,
    actors: &Actors,
    register: &mut Register,
    counts: &mut MixCounts,
) {
    if register.tokens.len() < register.holders.len() {
        let id = &register.holders[register.tokens.len()];
        let r = http
            .get(format!("{}/v1/registrations/{id}/certificate", actors.base))
            .bearer_auth(&actors.applicant)
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                Ok(cert) => {
                    let token = cert["token"].as_str().unwrap_or_default().to_owned();
                    register.tokens.push(token);
                }
                Err(e) => counts.fail(format!("unreadable certificate: {e}")),
            },
            // Not issued yet: the certificate job has not run.
            Ok(r) if r.status().is_client_error() => {}
            other => counts.fail(failure(&other)),
        }
    }
    if register.tokens.is_empty() {
        return;
    }
    let n = counts.verifications % register.tokens.len();
    let verified = http
        .post(format!("{}/v1/certificate-verifications", actors.base))
        .json(&json!({ "token": register.tokens[n] }))
        .send()
        .await;
    if !counts.answer(&verified) {
        return;
    }
    // Any verdict counts (a certificate replaced after a change of address
    // reads as no longer current); only an unreadable answer is an error.
    match verified.unwrap().json::<Value>().await {
        Ok(v) if v["result"].is_string() => counts.verifications += 1,
        Ok(v) => counts.fail(format!("verification without a result: {v}")),
        Err(e) => counts.fail(format!("unreadable verification: {e}")),
    }
}
