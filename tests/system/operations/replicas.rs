//! Two `serve` processes on one database: a ministry client's rate is one
//! bucket in Postgres, so the replicas together allow the configured burst
//! (not twice it), and a restart does not refill it.

use super::*;
use crate::common::fresh_database;

/// Creates a ministry client with the CLI; (id, secret).
fn client(url: &str) -> (String, String) {
    let (mut cmd, _dir) = command(url);
    let out = cmd
        .args([
            "ministry-clients",
            "create",
            "--ministry",
            "MHLW",
            "--name",
            "replicas",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    (field("client_id:"), field("client_secret:"))
}

/// The feed as the client: 200, or 429 with Retry-After.
async fn feed(http: &reqwest::Client, base: &str, token: &str) -> StatusCode {
    let r = http
        .get(format!("{base}/v1/events"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    if r.status() == StatusCode::TOO_MANY_REQUESTS {
        assert!(r.headers().contains_key("retry-after"));
    }
    r.status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ministry_clients_rate_holds_across_replicas_and_restarts() {
    let url = fresh_database().await;
    let (id, secret) = client(&url);
    // One request per 20 s sustained, 6 at once: refills are out of the picture.
    let env = [
        ("SHIKAKU_MINISTRY_RATE_PER_SECOND", "0.05"),
        ("SHIKAKU_MINISTRY_RATE_BURST", "6"),
        ("SHIKAKU_RUN_WORKERS", "false"),
        // Replicas behind one address: tokens name it as issuer and audience.
        ("SHIKAKU_PUBLIC_URL", "http://shikaku.test"),
    ];
    let a = Replica::start(&url, &env);
    let b = Replica::start(&url, &env);
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/oauth/token", a.base))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the token request takes one");
    let body: Value = r.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();

    let mut ok = 0;
    for i in 0..12 {
        let base = if i % 2 == 0 { &b.base } else { &a.base };
        match feed(&http, base, &token).await {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(
        ok, 5,
        "the burst of 6 (one spent on the token) across both replicas"
    );

    drop(a);
    drop(b);
    let c = Replica::start(&url, &env);
    assert_eq!(
        feed(&http, &c.base, &token).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a restart does not refill the bucket"
    );
}
