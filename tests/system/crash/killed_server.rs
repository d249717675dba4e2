//! The server killed again and again while clients write.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_server_loses_and_doubles_nothing() {
    let url = fresh_database().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let data_dir = std::env::temp_dir().join(format!("shikaku-crash-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let server = Server::start(&url, &data_dir);
    let base = server.base.clone();

    let mut prepared = Vec::new();
    for n in 0..APPROVALS {
        let (http, base) = (http.clone(), base.clone());
        prepared.push(tokio::spawn(async move { proposed(&http, &base, n).await }));
    }
    let mut to_approve = Vec::new();
    for p in prepared {
        to_approve.push(p.await.unwrap());
    }

    // Load: clients submit with keys; approvals start spread over the window
    // in which the server is killed.
    let keys = TokenKeys::new(SECRET.as_bytes());
    let applicant = keys.mint("crash-applicant", Role::Applicant, 3600);
    let senior = keys.mint("crash-senior", Role::SeniorExaminer, 3600);
    let sent: Sent = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, token, sent, stop) = (
            http.clone(),
            base.clone(),
            applicant.clone(),
            sent.clone(),
            stop.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let key = format!("client-{c}-{i}");
                let mut body = application(&my_number(&format!("8{c:02}{i:08}")));
                body["address"] = json!(format!("東京都千代田区{c}-{i}"));
                let slot = {
                    let mut s = sent.lock().unwrap();
                    s.push((key.clone(), body.clone(), None));
                    s.len() - 1
                };
                let answer = http
                    .post(format!("{base}/v1/registrations"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", &key)
                    .json(&body)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        if let Ok(v) = r.json::<Value>().await {
                            sent.lock().unwrap()[slot].2 = v["id"].as_str().map(str::to_owned);
                        }
                    }
                    Ok(_) => {}
                    // The server died: stop sending.
                    Err(_) => return,
                }
            }
        }));
    }
    let mut approvals = Vec::new();
    for (n, id) in to_approve.iter().enumerate() {
        let (http, base, token, id) = (http.clone(), base.clone(), senior.clone(), id.clone());
        approvals.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100 * n as u64)).await;
            let _ = http
                .post(format!("{base}/v1/registrations/{id}/decision-approvals"))
                .bearer_auth(&token)
                .send()
                .await;
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.kill();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    for a in approvals {
        a.await.unwrap();
    }

    // Restart and retry everything.
    let server = Server::start(&url, &data_dir);
    let base = server.base.clone();
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    assert!(sent.len() > CLIENTS, "the clients were under way");
    let acknowledged = sent.iter().filter(|s| s.2.is_some()).count();
    let mut ids = HashMap::new();
    for (key, body, first) in &sent {
        let id = loop {
            let r = send(|| {
                http.post(format!("{base}/v1/registrations"))
                    .bearer_auth(&applicant)
                    .header("Idempotency-Key", key)
                    .json(body)
            })
            .await;
            match r.status() {
                StatusCode::CREATED => {
                    break r.json::<Value>().await.unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                }
                // A claim of the killed process: its lease runs out shortly.
                StatusCode::CONFLICT => tokio::time::sleep(Duration::from_millis(500)).await,
                other => panic!("retry of {key}: {other}"),
            }
        };
        if let Some(first) = first {
            assert_eq!(&id, first, "{key} replays its acknowledged answer");
        }
        ids.insert(key.clone(), id);
    }
    for id in &to_approve {
        loop {
            if status(&http, &base, &senior, id).await["status"] == "REGISTERED" {
                break;
            }
            let r = send(|| {
                http.post(format!("{base}/v1/registrations/{id}/decision-approvals"))
                    .bearer_auth(&senior)
            })
            .await;
            assert!(
                r.status() == StatusCode::OK || r.status() == StatusCode::CONFLICT,
                "approval retry: {}",
                r.status()
            );
        }
    }
    settle(&pool).await;

    // Every key maps to exactly one application, and nothing else was submitted.
    let distinct: HashSet<&String> = ids.values().collect();
    assert_eq!(distinct.len(), sent.len(), "one application per key");
    let submitted: Vec<String> = sqlx::query_scalar(
        "SELECT aggregate_id FROM events
         WHERE event_type = 'ApplicationSubmitted' AND metadata->>'actor' = 'crash-applicant'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        submitted.len(),
        sent.len(),
        "no application without its key"
    );
    assert!(submitted.iter().all(|id| distinct.contains(id)));

    // No event lost or doubled: every stream is 1..n, one submission and at
    // most one registration each.
    let broken: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT aggregate_id FROM events GROUP BY aggregate_type, aggregate_id
                               HAVING max(sequence) <> count(*) OR min(sequence) <> 1
                                   OR count(*) FILTER (WHERE event_type = 'ApplicationSubmitted') > 1
                                   OR count(*) FILTER (WHERE event_type = 'Registered') > 1) s",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(broken, 0);
    // No ciphertext without the application that refers to it.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM my_number_vault v WHERE NOT EXISTS
           (SELECT 1 FROM events e WHERE e.event_type = 'ApplicationSubmitted'
              AND e.payload::jsonb -> 'ApplicationSubmitted' ->> 'my_number_ref' = v.id::text)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "no orphan vault rows");

    // Registration numbers under concurrent approvals: 1..N without a gap.
    let mut numbers: Vec<String> = sqlx::query_scalar(
        "SELECT payload::jsonb -> 'Registered' ->> 'registration_number' FROM events
         WHERE event_type = 'Registered'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    numbers.sort();
    let expected: Vec<String> = (1..=APPROVALS).map(|n| format!("{n:07}")).collect();
    assert_eq!(numbers, expected);

    // Every view equals its rebuild (server stopped, so nothing moves).
    server.kill();
    for view in VIEWS {
        let live = view_rows(&pool, view).await;
        let out = command(&url, &data_dir)
            .args(["rebuild-projection", view])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{view}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            view_rows(&pool, view).await,
            live,
            "{view} equals its rebuild"
        );
    }
    println!(
        "{} keys ({acknowledged} acknowledged before the kill), {APPROVALS} approvals",
        sent.len()
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}
