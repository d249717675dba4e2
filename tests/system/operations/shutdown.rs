//! SIGTERM in the middle of a slow webhook delivery and a slow mail: `/readyz`
//! answers 503 first, the process waits for both, and each is delivered
//! exactly once, nothing left `running` under a dead process. With a shutdown
//! timeout shorter than the receiver, the delivery is given back and the next
//! replica sends it at once instead of after the lease.

use super::*;
use crate::common::fresh_database;
use crate::support::smtp::SmtpServer;
use crate::support::webhooks::WebhookReceiver;
use sqlx::PgPool;

const KINDS: [&str; 2] = ["webhook.delivery", "notification.mails"];

/// (state, attempts, locked_by) of the jobs of `kind`, oldest first.
async fn jobs(pool: &PgPool, kind: &str) -> Vec<(String, i32, Option<String>)> {
    sqlx::query_as("SELECT state, attempts, locked_by FROM jobs WHERE kind = $1 ORDER BY id")
        .bind(kind)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The first job of `kind`.
async fn job(pool: &PgPool, kind: &str) -> (String, i32, Option<String>) {
    jobs(pool, kind).await.remove(0)
}

/// Waits until every job of `kinds` succeeded.
async fn all_succeeded(pool: &PgPool, kinds: &[&str]) {
    for _ in 0..400 {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE state <> 'succeeded' AND kind = ANY($1)",
        )
        .bind(kinds)
        .fetch_one(pool)
        .await
        .unwrap();
        if open == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the jobs {kinds:?} did not all succeed");
}

/// How many of `kinds` have a job running now.
async fn kinds_running(pool: &PgPool, kinds: &[&str]) -> i64 {
    sqlx::query_scalar(
        "SELECT count(DISTINCT kind) FROM jobs WHERE state = 'running' AND kind = ANY($1)",
    )
    .bind(kinds)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Waits until a job of each of `kinds` runs (its remote side got the request).
async fn running(pool: &PgPool, kinds: &[&str]) {
    for _ in 0..1200 {
        if kinds_running(pool, kinds).await == kinds.len() as i64 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the jobs {kinds:?} did not start");
}

/// `/readyz` answers 503 soon after the signal, while the listener is still open.
async fn turns_unready(http: &reqwest::Client, base: &str) {
    for _ in 0..100 {
        let r = http.get(format!("{base}/readyz")).send().await.unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["code"], "NOT_READY");
            assert_eq!(body["detail"], "shutting down");
            return;
        }
        assert_eq!(r.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("/readyz never answered 503");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_a_slow_delivery_and_a_slow_mail_and_sends_each_once() {
    let url = fresh_database().await;
    let pool = PgPool::connect(&url).await.unwrap();
    // Slow enough that both are still being sent when the signal comes,
    // however loaded the machine.
    let smtp = SmtpServer::start_slow(6.0);
    let receiver = WebhookReceiver::start();
    let http = reqwest::Client::new();
    let env = [("SHIKAKU_SMTP_URL", smtp.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut first = Replica::start(&url, &env);
    let secret = subscribe(&http, &first.base, &receiver.url("slow")).await;
    receiver.configure_slow("slow", &secret, 0, 6.0).await;
    submit(&http, &first.base, "40000000001").await;
    running(&pool, &KINDS).await;
    receiver.wait_for("slow", 1).await;
    smtp.wait_for("hanako@example.jp", 1).await;

    first.signal("TERM");
    assert_eq!(
        kinds_running(&pool, &KINDS).await,
        2,
        "both were still being sent when the signal came"
    );
    turns_unready(&http, &first.base).await;
    let status = first.wait(Duration::from_secs(40));
    assert!(status.success(), "exit {status:?}");
    // It waited for them: the jobs that had started finished (had it not
    // waited, they would be given back, queued with no attempt counted);
    // those not yet taken wait, untouched.
    for kind in KINDS {
        for (state, attempts, holder) in jobs(&pool, kind).await {
            assert_eq!(holder, None, "{kind}: no job held by the dead process");
            match attempts {
                0 => assert_eq!(state, "queued", "{kind}"),
                _ => assert_eq!((state.as_str(), attempts), ("succeeded", 1), "{kind}"),
            }
        }
    }
    assert_eq!(
        job(&pool, KINDS[0]).await,
        ("succeeded".to_owned(), 1, None)
    );

    // Another replica sends what was left and nothing again.
    let _second = Replica::start(&url, &env);
    all_succeeded(&pool, &KINDS).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for kind in KINDS {
        for (state, attempts, _) in jobs(&pool, kind).await {
            assert_eq!(
                (state.as_str(), attempts),
                ("succeeded", 1),
                "{kind}: one attempt each"
            );
        }
    }
    let got = receiver.received("slow").await;
    assert_eq!(got["attempts"], 1, "one delivery: {got}");
    let mails = smtp.to("hanako@example.jp");
    let ids: std::collections::HashSet<&str> = mails
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    let notices: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mails.len() as i64, notices, "one mail per notice");
    assert_eq!(ids.len(), mails.len(), "none sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_outlasting_the_shutdown_timeout_is_given_back_at_once() {
    let url = fresh_database().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let receiver = WebhookReceiver::start();
    let http = reqwest::Client::new();
    // The lease is long: only a release lets the next replica send it soon.
    let env = [
        ("SHIKAKU_SHUTDOWN_TIMEOUT_SECONDS", "1"),
        ("SHIKAKU_JOB_LEASE_SECONDS", "300"),
    ];
    let mut first = Replica::start(&url, &env);
    let secret = subscribe(&http, &first.base, &receiver.url("stuck")).await;
    receiver.configure_slow("stuck", &secret, 0, 20.0).await;
    submit(&http, &first.base, "40000000002").await;
    running(&pool, &KINDS[..1]).await;
    receiver.wait_for("stuck", 1).await;

    first.signal("INT");
    let status = first.wait(Duration::from_secs(15));
    assert!(status.success(), "exit {status:?}");
    assert_eq!(
        job(&pool, KINDS[0]).await,
        ("queued".to_owned(), 0, None),
        "given back, the interrupted attempt not counted"
    );

    receiver.configure_slow("stuck", &secret, 0, 0.0).await;
    let _second = Replica::start(&url, &[]);
    let got = receiver.wait_for("stuck", 2).await;
    assert_eq!(
        got[0]["webhook_id"], got[1]["webhook_id"],
        "the same message"
    );
    for _ in 0..200 {
        if job(&pool, KINDS[0]).await.0 == "succeeded" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the second replica did not finish the delivery");
}
