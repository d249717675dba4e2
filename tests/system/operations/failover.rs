//! A database failover under load, as the README's runbook has it: a primary
//! with a synchronous streaming standby behind a TCP proxy; the primary
//! crashes, the standby is promoted and the proxy moves to it. Meanwhile the
//! API answers 503 with Retry-After, then recovers by itself, every
//! submission it acknowledged is on the new primary, and the views catch up.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use shikaku::embedded_pg::EmbeddedPostgres;

use super::cluster::{base_backup, crash, port, promote, replicate_synchronously};
use super::proxy::Proxy;
use super::*;

/// What the submitters saw: acknowledged ids, 503s, anything else.
#[derive(Default)]
struct Outcomes {
    acknowledged: Mutex<Vec<String>>,
    unavailable: AtomicU64,
    unexpected: Mutex<Vec<String>>,
}

impl Outcomes {
    fn acknowledged(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }
}

/// Submits applications one after another until `stop`, recording each answer.
async fn submit_until(
    base: String,
    next: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    outcomes: Arc<Outcomes>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    while !stop.load(Ordering::Relaxed) {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let r = http
            .post(format!("{base}/v1/registrations"))
            .bearer_auth(token(Role::Applicant, &format!("failover-{n}")))
            .json(&application(&my_number(&format!("43{n:09}"))))
            .send()
            .await;
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                outcomes.unexpected.lock().unwrap().push(e.to_string());
                continue;
            }
        };
        match r.status() {
            StatusCode::CREATED => {
                let body: Value = r.json().await.unwrap();
                let id = body["id"].as_str().unwrap().to_owned();
                outcomes.acknowledged.lock().unwrap().push(id);
            }
            StatusCode::SERVICE_UNAVAILABLE if r.headers().contains_key("retry-after") => {
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
                outcomes.unavailable.fetch_add(1, Ordering::Relaxed);
                // As a client that honours Retry-After would, but sooner.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            other => {
                let text = r.text().await.unwrap_or_default();
                outcomes
                    .unexpected
                    .lock()
                    .unwrap()
                    .push(format!("{other}: {text}"));
            }
        }
    }
}

/// Waits (60 s at most) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what} within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn address(url: &str) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port(url)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_to_a_synchronous_standby_loses_no_acknowledged_submission() {
    let root = std::env::temp_dir().join(format!("shikaku-failover-{}", uuid::Uuid::new_v4()));
    let (primary_dir, standby_dir) = (root.join("primary"), root.join("standby"));
    let primary = EmbeddedPostgres::start(&primary_dir).unwrap();
    let url = primary.url.clone();
    let dir = standby_dir.clone();
    tokio::task::spawn_blocking(move || base_backup(&url, &dir, true))
        .await
        .unwrap();
    let standby = EmbeddedPostgres::start(&standby_dir).unwrap();
    // Set after the copy: the promoted standby has no standby of its own to wait for.
    replicate_synchronously(&primary.url).await;
    let proxy = Proxy::start(address(&primary.url)).await;

    let database_url = proxy.url("postgres");
    let replica = tokio::task::spawn_blocking(move || Replica::start(&database_url, &[]))
        .await
        .unwrap();
    let outcomes = Arc::new(Outcomes::default());
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU64::new(0));
    let submitters: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(submit_until(
                replica.base.clone(),
                next.clone(),
                stop.clone(),
                outcomes.clone(),
            ))
        })
        .collect();
    until("submissions on the primary", || {
        outcomes.acknowledged() >= 20
    })
    .await;

    let dir = primary_dir.clone();
    tokio::task::spawn_blocking(move || crash(&dir))
        .await
        .unwrap();
    until("503s while the primary is down", || {
        outcomes.unavailable.load(Ordering::Relaxed) >= 4
    })
    .await;
    promote(&standby.url).await;
    proxy.point(address(&standby.url));
    let at_switch = outcomes.acknowledged();
    until("submissions on the promoted standby", || {
        outcomes.acknowledged() >= at_switch + 20
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for s in submitters {
        s.await.unwrap();
    }

    let unexpected = outcomes.unexpected.lock().unwrap().clone();
    assert!(unexpected.is_empty(), "only 201 or 503: {unexpected:?}");
    let acknowledged = outcomes.acknowledged.lock().unwrap().clone();
    eprintln!(
        "failover: {} acknowledged ({at_switch} before the switch), {} answered 503",
        acknowledged.len(),
        outcomes.unavailable.load(Ordering::Relaxed)
    );
    let http = reqwest::Client::new();
    let examiner = token(Role::Examiner, "examiner-1");
    for id in &acknowledged {
        let r = http
            .get(format!("{}/v1/registrations/{id}", replica.base))
            .bearer_auth(&examiner)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "acknowledged {id} survived");
    }
    // Straight from the new primary too: one submission event per id.
    let pool = sqlx::PgPool::connect(&standby.url).await.unwrap();
    let found: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_id = ANY($1)",
    )
    .bind(&acknowledged)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(found as usize, acknowledged.len());
    // The subscriptions recover by themselves too: the status view has them all.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let viewed: i64 =
            sqlx::query_scalar("SELECT count(*) FROM registration_status WHERE id::text = ANY($1)")
                .bind(&acknowledged)
                .fetch_one(&pool)
                .await
                .unwrap();
        if viewed as usize == acknowledged.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{viewed} of {found} in the view after 90 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    pool.close().await;

    drop(replica);
    drop(proxy);
    drop(standby);
    drop(primary);
    let _ = std::fs::remove_dir_all(&root);
}
