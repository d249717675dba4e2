//! Two `serve` processes and one `worker` on one database, under load: every
//! case goes from submission through payment, the registers and four-eyes
//! approval to its certificate exactly once, each mail and webhook goes out
//! once, and the limit on failed client authentications holds across the
//! replicas (it is kept in Postgres, as the ministry clients' rate is).

use std::collections::HashSet;

use sqlx::PgPool;

use super::*;
use crate::common::fresh_database;
use crate::support::smtp::SmtpServer;
use crate::support::webhooks::WebhookReceiver;

/// Cases taken to their end at once.
const CASES: usize = 10;
/// The webhook event types every case sends once each.
const TYPES: [&str; 3] = ["APPLICATION_SUBMITTED", "REGISTERED", "CERTIFICATE_ISSUED"];

/// A `shikaku worker` process; killed when dropped.
struct Worker(Child, PathBuf);

impl Worker {
    fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let (mut cmd, data_dir) = command(database_url);
        let mut child = cmd
            .envs(env.iter().copied())
            .arg("worker")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the shikaku binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a first line").unwrap();
        assert_eq!(first.trim(), "shikaku worker started");
        std::thread::spawn(move || for _ in lines {});
        Self(child, data_dir)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

/// POSTs `body` as `token`, again while the case is not yet where the step
/// needs it (a job still to run: 409 or 422), for 60 s at most.
async fn step(http: &reqwest::Client, url: &str, token: &str, body: Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = http
            .post(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        if status.is_success() {
            return;
        }
        let text = r.text().await.unwrap_or_default();
        assert!(
            matches!(status.as_u16(), 409 | 422) && Instant::now() < deadline,
            "{url}: {status} {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// GETs `url` until `ready` holds of a 200's body (60 s at most).
async fn poll(http: &reqwest::Client, url: &str, token: &str, ready: fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = http.get(url).bearer_auth(token).send().await.unwrap();
        if r.status() == StatusCode::OK {
            let body: Value = r.json().await.unwrap();
            if ready(&body) {
                return body;
            }
        }
        assert!(Instant::now() < deadline, "{url} not ready within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Case `n` from submission to certificate, each step on the replica
/// after the last; its id.
async fn to_the_end(n: usize, bases: [String; 2]) -> String {
    let http = reqwest::Client::new();
    let base = |step: usize| bases[(n + step) % 2].as_str();
    let holder = format!("fleet-{n}");
    let mut body = application(&my_number(&format!("44{n:09}")));
    body["email"] = json!(format!("case{n}@example.jp"));
    let r = http
        .post(format!("{}/v1/registrations", base(0)))
        .bearer_auth(token(Role::Applicant, &holder))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = |step: usize| format!("{}/v1/registrations/{id}", base(step));
    let observer = token(Role::SeniorExaminer, "observer");
    let opened = poll(&http, &case(1), &observer, |b| {
        b["payment"]["checkout_url"].is_string()
    })
    .await;
    // The worker signs the link with the first replica's address; any replica pays.
    let link = opened["payment"]["checkout_url"].as_str().unwrap();
    let (page, query) = link.split_once('?').unwrap();
    let r = http
        .post(format!("{}{}/pay?{query}", base(2), url_path(page)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "paid");
    let examiner = token(Role::Examiner, &format!("ex-{n}"));
    step(
        &http,
        &format!("{}/assignment", case(3)),
        &examiner,
        json!({}),
    )
    .await;
    let proposal = json!({"outcome": "APPROVE"});
    step(
        &http,
        &format!("{}/decision-proposals", case(4)),
        &examiner,
        proposal,
    )
    .await;
    let senior = token(Role::SeniorExaminer, &format!("sr-{n}"));
    step(
        &http,
        &format!("{}/decision-approvals", case(5)),
        &senior,
        json!({}),
    )
    .await;
    let holder = token(Role::Applicant, &holder);
    poll(&http, &format!("{}/certificate", case(6)), &holder, |b| {
        b["status"] == "VALID"
    })
    .await;
    id
}

/// The path of an absolute URL.
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("/".to_owned(), |i| after_scheme[i..].to_owned())
}

/// Waits until no job that is due is queued or running (60 s at most).
async fn jobs_done(pool: &PgPool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')
             AND run_at <= now() + interval '2 seconds' AND kind <> 'stripe.reconcile'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if open == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{open} jobs still open after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A token request with a client that does not exist: a failed authentication.
async fn failed_authentication(http: &reqwest::Client, base: &str) -> (StatusCode, Value) {
    let r = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("mc_nobody", Some("guessed"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_and_a_worker_take_every_case_to_its_end_once() {
    let url = fresh_database().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let smtp = SmtpServer::start();
    let receiver = WebhookReceiver::start();
    let smtp_url = smtp.url();
    let (a_url, a_smtp) = (url.clone(), smtp_url.clone());
    let a = tokio::task::spawn_blocking(move || {
        Replica::start(
            &a_url,
            &[
                ("SHIKAKU_SMTP_URL", a_smtp.as_str()),
                ("SHIKAKU_RUN_WORKERS", "false"),
            ],
        )
    })
    .await
    .unwrap();
    // One public address for all: checkout links and tokens name it.
    let env = vec![
        ("SHIKAKU_SMTP_URL".to_owned(), smtp_url.clone()),
        ("SHIKAKU_PUBLIC_URL".to_owned(), a.base.clone()),
    ];
    let (b_url, b_env) = (url.clone(), env.clone());
    let b = tokio::task::spawn_blocking(move || {
        let mut env: Vec<(&str, &str)> = b_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.push(("SHIKAKU_RUN_WORKERS", "false"));
        Replica::start(&b_url, &env)
    })
    .await
    .unwrap();
    let (w_url, w_env) = (url.clone(), env.clone());
    let _worker = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = w_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Worker::start(&w_url, &env)
    })
    .await
    .unwrap();

    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/v1/webhook-subscriptions", b.base))
        .bearer_auth(token(Role::Ministry, "MHLW"))
        .json(&json!({"url": receiver.url("fleet"), "event_types": TYPES}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let secret = r.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    receiver.configure("fleet", &secret, 0).await;

    let cases: Vec<_> = (0..CASES)
        .map(|n| tokio::spawn(to_the_end(n, [a.base.clone(), b.base.clone()])))
        .collect();
    let mut ids = Vec::new();
    for case in cases {
        ids.push(case.await.unwrap());
    }
    jobs_done(&pool).await;

    // Each case reached its end once.
    for id in &ids {
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT event_type, count(*) FROM events WHERE aggregate_id = $1
             AND event_type IN ('ApplicationSubmitted', 'Registered', 'CertificateIssued')
             GROUP BY 1 ORDER BY 1",
        )
        .bind(id)
        .fetch_all(&pool)
        .await
        .unwrap();
        let expected = [
            ("ApplicationSubmitted", 1),
            ("CertificateIssued", 1),
            ("Registered", 1),
        ];
        let expected: Vec<(String, i64)> =
            expected.iter().map(|(t, n)| (t.to_string(), *n)).collect();
        assert_eq!(counts, expected, "{id}");
    }
    // Each webhook once: one message per event, none delivered twice.
    receiver.wait_for("fleet", CASES * TYPES.len()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = receiver.received("fleet").await;
    let delivered = got["delivered"].as_array().unwrap();
    let unique: HashSet<&str> = delivered
        .iter()
        .map(|d| d["webhook_id"].as_str().unwrap())
        .collect();
    assert_eq!(delivered.len(), CASES * TYPES.len(), "{got}");
    assert_eq!(unique.len(), delivered.len(), "none twice");
    // Each mail once: one message per delivery recorded, every case written to.
    let delivered: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mails = smtp.messages();
    let message_ids: HashSet<&str> = mails
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(mails.len() as i64, delivered, "one message per delivery");
    assert_eq!(message_ids.len(), mails.len(), "none sent twice");
    for n in 0..CASES {
        assert!(
            !smtp.to(&format!("case{n}@example.jp")).is_empty(),
            "case {n} was told"
        );
    }

    // Failed authentications from one address, alternating between the
    // replicas: the limit of ten (plus one per six seconds) is spent on both
    // together. Limited per process, twenty would pass before the first 429.
    let mut failed = 0;
    let limited = loop {
        let (base, other) = if failed % 2 == 0 {
            (&a.base, &b.base)
        } else {
            (&b.base, &a.base)
        };
        let (status, body) = failed_authentication(&http, base).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["code"], "TOO_MANY_ATTEMPTS");
            break other;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{failed}: {body}");
        failed += 1;
        assert!(
            failed < 20,
            "twenty failures passed: the limit is per process"
        );
    };
    assert!(failed >= 10, "the burst of ten: {failed}");
    let (status, body) = failed_authentication(&http, limited).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the other replica too: {body}"
    );
}
