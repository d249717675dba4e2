//! The metrics listener: what an SRE needs, valid for `promtool check
//! metrics`, database-wide figures labelled as such, and an answer while the
//! database is down.

use std::io::Write;

use super::*;
use crate::common::{self, spawn_app, spawn_app_with, TestApp};
use sqlx::Connection;

/// `promtool check metrics` on `text`: its complaints, empty when none.
fn promtool(text: &str) -> String {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (scripts/test installs Debian's prometheus)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let complaints = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() || !complaints.is_empty());
    complaints
}

/// Stops new connections to the app's database and ends the open ones (or
/// allows them again).
async fn cut(database_url: &str, allow: bool) {
    let name = database_url.rsplit('/').next().unwrap();
    let mut admin = sqlx::PgConnection::connect(&common::server_url())
        .await
        .unwrap();
    sqlx::query(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {allow}"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    if !allow {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(name)
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

async fn exercise(app: &TestApp) {
    let id = submit(&app.http, &app.base, "41000000001").await;
    app.settle().await;
    let r = app
        .get_as(Role::Examiner, "e-1", &format!("/v1/registrations/{id}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.get_anonymous("/no/such/page").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_pass_promtool_and_carry_what_an_sre_needs() {
    let app = spawn_app().await;
    exercise(&app).await;
    let text = app.metrics().await;
    assert_eq!(promtool(&text), "", "promtool check metrics:\n{text}");
    for line in [
        // Route templates, never ids; unknown paths folded into one series.
        "shikaku_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/registrations/{id}\",status=\"200\"} 1",
        "shikaku_http_request_duration_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "shikaku_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/registrations\",status=\"201\"} 1",
        "shikaku_job_attempts_total{kind=\"notification.mails\",outcome=\"succeeded\"} ",
        "shikaku_jobs{kind=\"notification.mails\",state=\"succeeded\",scope=\"database\"} ",
        "shikaku_jobs_oldest_queued_age_seconds{kind=\"notification.mails\",scope=\"database\"} 0",
        "shikaku_subscription_lag_events{subscription=\"registration_status\",scope=\"database\"} 0",
        "shikaku_subscription_lag_seconds{subscription=\"registration_status\",scope=\"database\"} 0",
        "shikaku_subscription_failing_seconds{subscription=\"registration_status\",scope=\"database\"} 0",
        "shikaku_db_pool_max_connections 10",
        "shikaku_database_up 1",
        "shikaku_build_info{version=\"",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(text.contains("shikaku_db_pool_connections{state=\"idle\"}"));
    assert!(!text.contains("41000000001"), "no path ids or numbers");

    // OpenMetrics for scrapers that ask for it.
    let r = app
        .http
        .get(&app.metrics_url)
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    assert!(r.text().await.unwrap().ends_with("# EOF\n"));

    // The database down: the process's own figures still answer.
    cut(&app.database_url, false).await;
    let text = app.metrics().await;
    cut(&app.database_url, true).await;
    assert!(text.contains("shikaku_database_up 0"), "{text}");
    assert!(text.contains("shikaku_http_request_duration_seconds_count"));
    assert_eq!(promtool(&text), "");
}

#[tokio::test]
async fn readiness_is_the_process_own_a_stuck_subscription_is_a_metric() {
    let app = spawn_app().await;
    // Caught up, so no batch clears the failure set below.
    app.settle().await;
    sqlx::query(
        "UPDATE subscription_checkpoints SET failing_since = now() - interval '1 hour',
                last_error = 'test' WHERE name = 'examiner_queue'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let r = app.get_anonymous("/readyz").await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "one stuck view takes no replica out"
    );
    let text = app.metrics().await;
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("shikaku_subscription_failing_seconds{subscription=\"examiner_queue\"")
        })
        .unwrap();
    let seconds: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(seconds >= 3600.0, "{line}");

    cut(&app.database_url, false).await;
    let r = app.get_anonymous("/readyz").await;
    cut(&app.database_url, true).await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["code"], "NOT_READY");
    assert_eq!(body["detail"], "the database does not answer");
}

/// The value of the sample `series` (name and labels) in `text`.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn tasks_waiting_for_a_connection_of_an_exhausted_pool_show_in_the_metrics() {
    // No background work: the requests and the probe are the pool's only users.
    let app = spawn_app_with(|s| {
        s.db_max_connections = 1;
        s.run_subscriptions = false;
        s.run_workers = false;
    })
    .await;
    // The pool's one connection, held.
    let held = app.pool.begin().await.unwrap();
    let waiting = tokio::spawn({
        let url = format!("{}/v1/registrations/{}", app.base, uuid::Uuid::new_v4());
        let request = app
            .http
            .get(url)
            .bearer_auth(app.token(Role::Examiner, "e-1"));
        async move { request.send().await }
    });
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let text = app.metrics().await;
    assert_eq!(promtool(&text), "", "{text}");
    assert_eq!(sample(&text, "shikaku_db_pool_max_connections"), 1.0);
    assert_eq!(
        sample(&text, "shikaku_db_pool_connections{state=\"used\"}"),
        1.0
    );
    let wait = sample(&text, "shikaku_db_pool_acquire_wait_seconds");
    assert!(
        wait >= 1.0,
        "the probe has waited since the pool ran out: {wait}"
    );
    assert!(
        !waiting.is_finished(),
        "the request waits for the connection"
    );

    drop(held);
    let answered = waiting.await.unwrap().unwrap();
    assert_eq!(
        answered.status(),
        StatusCode::NOT_FOUND,
        "looked up once a connection is free"
    );
    // The next probe finds a connection at once.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let text = app.metrics().await;
    let wait = sample(&text, "shikaku_db_pool_acquire_wait_seconds");
    assert!(wait < 1.0, "{wait}");
}
