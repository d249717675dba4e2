//! The token endpoint under attack: anonymous requests with made-up client
//! ids cannot blow up the server's memory, failed attempts against a real
//! client id cannot lock its ministry out, and failed attempts are limited
//! per source address (each test speaks from its own loopback addresses)
//! without ever refusing a correct secret.

use std::io::BufRead;
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};

use futures_util::future::join_all;
use reqwest::StatusCode;

use crate::common::ministry::{client_token, create_client, token_response};
use crate::common::{fresh_database, problem, spawn_app, spawn_app_with, JWT_SECRET, VAULT_KEY};

/// An HTTP client whose requests come from `ip` (any 127.x.y.z is loopback).
fn from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// One client-credentials request; its status.
async fn attempt(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> StatusCode {
    http.post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
}

/// A field of `/proc/<pid>/status` in bytes.
fn status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in {status}"));
    kb * 1024
}

/// `shikaku serve` as a process of its own, so its memory is its own; killed
/// on drop.
struct Served(Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(database_url: &str) -> Served {
    let data_dir = std::env::temp_dir().join(format!("shikaku-probe-{}", uuid::Uuid::new_v4()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env("SHIKAKU_DATA_DIR", &data_dir)
        .env("SHIKAKU_JWT_SECRET", JWT_SECRET)
        .env("SHIKAKU_VAULT_KEY", VAULT_KEY)
        .env("SHIKAKU_RUN_WORKERS", "false")
        .env("SHIKAKU_RUN_SUBSCRIPTIONS", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    // Keep draining, or the server's next println! would die of a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    Served(child, base)
}

/// The server's resident growth while `requests` run: its peak resident set
/// (VmHWM, reset first) over its resident set before.
async fn growth<F: std::future::Future>(pid: u32, requests: F) -> (u64, F::Output) {
    // "5" resets the peak to the current resident set (Linux 4.0 and later);
    // where that is refused the resident set after is measured instead.
    let reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    let before = status_bytes(pid, "VmRSS:");
    let out = requests.await;
    let after = if reset {
        status_bytes(pid, "VmHWM:")
    } else {
        status_bytes(pid, "VmRSS:")
    };
    eprintln!(
        "resident {} MB before, {} MB at peak (reset: {reset})",
        before / MB,
        after / MB
    );
    (after.saturating_sub(before), out)
}

const MB: u64 = 1024 * 1024;

#[tokio::test]
async fn sixty_four_anonymous_token_requests_do_not_exhaust_memory() {
    let server = serve(&fresh_database().await);
    let base = server.1.clone();
    // Warm up: the first request of each kind allocates what every later one reuses.
    assert_eq!(
        attempt(&from("127.0.0.1"), &base, "mc_warm_up", "x").await,
        StatusCode::UNAUTHORIZED
    );
    // 64 parallel requests, each from its own address and with a made-up id,
    // so no per-address limit cuts them short.
    let requests = (0..64).map(|i| {
        let base = base.clone();
        async move {
            let http = from(&format!("127.0.1.{}", i + 10));
            attempt(&http, &base, &format!("mc_made_up_{i}"), "guess").await
        }
    });
    let (grown, statuses) = growth(server.0.id(), join_all(requests)).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        grown < 100 * MB,
        "64 anonymous requests grew the server by {} MB",
        grown / MB
    );
}

#[tokio::test]
async fn failed_attempts_against_a_client_id_do_not_lock_its_ministry_out() {
    // A small bucket, so that any attempt spent from it would show.
    let app = spawn_app_with(|s| {
        s.ministry_rate_per_second = 1.0;
        s.ministry_rate_burst = 5.0;
    })
    .await;
    let (id, secret) = create_client(&app, "MHLW", &[]);
    // Four loops of failed attempts naming the real client id, from the very
    // address the ministry calls from (as behind a shared proxy or NAT).
    let attacker = app.http.clone();
    let loops = (0..4).map(|_| {
        let (attacker, base, id) = (attacker.clone(), app.base.clone(), id.clone());
        async move {
            let mut statuses = Vec::new();
            for _ in 0..15 {
                statuses.push(attempt(&attacker, &base, &id, "not the secret").await);
            }
            statuses
        }
    });
    let statuses: Vec<StatusCode> = join_all(loops).await.into_iter().flatten().collect();
    assert!(statuses
        .iter()
        .all(|s| { *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS }));
    // The ministry takes a token and spends the rest of its burst.
    let token = client_token(&app, &id, &secret).await;
    for call in 0..4 {
        let r = app.get("/v1/registrations", &token).await;
        assert_eq!(r.status(), StatusCode::OK, "call {call}");
    }
    // The failures are held back by their address.
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "the attacker's address is limited: {statuses:?}"
    );
}

#[tokio::test]
async fn failed_attempts_are_limited_per_address_and_successes_do_not_count() {
    let app = spawn_app().await;
    let (id, secret) = create_client(&app, "MHLW", &[]);
    let probe = from("127.0.3.1");
    for i in 0..10 {
        let s = attempt(&probe, &app.base, &format!("mc_made_up_{i}"), "x").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = probe
        .post(format!("{}/oauth/token", app.base))
        .basic_auth("mc_made_up_10", Some("x"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&wait), "{wait}");
    assert_eq!(
        r.headers()["ratelimit"].to_str().unwrap(),
        format!("\"attempts\";r=0;t={wait}")
    );
    let p = problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(p["code"], "TOO_MANY_ATTEMPTS");
    // A correct secret is still accepted from that address (a proxy or NAT
    // address an attacker shares locks nobody out).
    assert_eq!(
        attempt(&probe, &app.base, &id, &secret).await,
        StatusCode::OK
    );
    // The limit is the address's: another address is not held back...
    let other = from("127.0.3.2");
    assert_eq!(
        attempt(&other, &app.base, "mc_made_up_x", "x").await,
        StatusCode::UNAUTHORIZED
    );
    // ...and successful authentications spend nothing of it.
    let ministry = from("127.0.3.3");
    for _ in 0..12 {
        assert_eq!(
            attempt(&ministry, &app.base, &id, &secret).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        attempt(&ministry, &app.base, &id, "wrong").await,
        StatusCode::UNAUTHORIZED
    );
    // The default address (the harness's) was never involved.
    let r = token_response(&app, &id, &secret, &[("grant_type", "client_credentials")]).await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// A client secret as earlier versions stored it (an Argon2id PHC string,
/// made by `ministry-clients create` before secrets were keyed hashes).
const LEGACY_SECRET: &str = "laOwttJglWtYNuzxbD9kmIm27lXrSUDIg_2rFrtOjDA";
const LEGACY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$F2lUgKlLV9dqX/wKAvHrxw$LvtSHuloiY525oqd0sxjdfXf6tXFqzeKGIHOc+sNVsk";

#[tokio::test]
async fn legacy_argon2_secrets_still_work_at_bounded_cost_and_are_upgraded() {
    let database_url = fresh_database().await;
    let server = serve(&database_url);
    let base = server.1.clone();
    let out = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args([
            "ministry-clients",
            "create",
            "--ministry",
            "MHLW",
            "--name",
            "old",
        ])
        .env("DATABASE_URL", &database_url)
        .env("SHIKAKU_VAULT_KEY", VAULT_KEY)
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("client_id:"))
        .unwrap()
        .trim()
        .to_owned();
    let pool = sqlx::PgPool::connect(&database_url).await.unwrap();
    sqlx::query("UPDATE ministry_clients SET secret_hash = $2 WHERE id = $1")
        .bind(&id)
        .bind(LEGACY_HASH)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        attempt(&from("127.0.0.1"), &base, &id, "warm-up").await,
        StatusCode::UNAUTHORIZED
    );

    // 64 wrong secrets at once, from 64 addresses: a few Argon2id checks at a time.
    let requests = (0..64).map(|i| {
        let (base, id) = (base.clone(), id.clone());
        async move {
            let http = from(&format!("127.0.4.{}", i + 10));
            attempt(&http, &base, &id, "guess").await
        }
    });
    let (grown, statuses) = growth(server.0.id(), join_all(requests)).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        grown < 100 * MB,
        "64 checks of a legacy hash grew the server by {} MB",
        grown / MB
    );

    // The right secret works, and from then on it is checked by its keyed hash.
    let ministry = from("127.0.4.1");
    assert_eq!(
        attempt(&ministry, &base, &id, LEGACY_SECRET).await,
        StatusCode::OK
    );
    let stored: String =
        sqlx::query_scalar("SELECT secret_hash FROM ministry_clients WHERE id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stored.starts_with("hmac-sha256$"), "{stored}");
    assert_eq!(
        attempt(&ministry, &base, &id, LEGACY_SECRET).await,
        StatusCode::OK
    );
    pool.close().await;
}
