//! The status-list figure of `shikaku bench certificates`: `GET
//! /v1/status-lists/{n}` p50/p99 through HTTP once a million certificates
//! hold entries (bulk-loaded with SQL: issuing a million through the job
//! queue would not fit the run), in both forms, next to the same clients'
//! `GET /livez` (the HTTP floor of the same run).

use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::bench::percentile;

type BoxError = Box<dyn std::error::Error>;

/// Entries loaded: the "1 M issued certificates" of the issue.
const ENTRIES: i64 = 1_000_000;
/// Entries per list: the allocator's size, filled to its 80 % limit.
const LIST_SIZE: i64 = 131_072;
const PER_LIST: i64 = LIST_SIZE * 8 / 10;

/// Adds lists holding `ENTRIES` entries in all (2 % revoked, 0.5 %
/// suspended, positions drawn at random); returns the new lists' paths.
async fn load(pool: &PgPool) -> Result<Vec<String>, BoxError> {
    let first: i32 = sqlx::query_scalar("SELECT coalesce(max(id), 0) + 1 FROM status_lists")
        .fetch_one(pool)
        .await?;
    let lists = ((ENTRIES + PER_LIST - 1) / PER_LIST) as i32;
    let mut paths = Vec::new();
    for id in first..first + lists {
        let take = PER_LIST.min(ENTRIES - i64::from(id - first) * PER_LIST);
        let path = format!("/v1/status-lists/{id}");
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO status_lists (id, path, size, allocated) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(&path)
            .bind(LIST_SIZE as i32)
            .bind(take as i32)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO status_list_entries (list_id, idx, owner_id, status)
             SELECT $1, idx, gen_random_uuid(),
                    CASE WHEN r < 0.02 THEN 1 WHEN r < 0.025 THEN 2 ELSE 0 END
             FROM (SELECT idx, random() AS r FROM generate_series(0, $2 - 1) idx
                   ORDER BY random() LIMIT $3) drawn",
        )
        .bind(id)
        .bind(LIST_SIZE as i32)
        .bind(take)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        paths.push(path);
    }
    sqlx::query("ANALYZE status_list_entries")
        .execute(pool)
        .await?;
    Ok(paths)
}

/// Latencies (ms) of `clients` clients fetching `paths` in turn with
/// `accept` for `seconds`; fails on any answer but 200.
async fn fetch(
    base: &str,
    paths: &[String],
    accept: &'static str,
    clients: usize,
    seconds: u64,
) -> Result<Vec<f64>, BoxError> {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let http = http.clone();
        let urls: Vec<String> = paths.iter().map(|p| format!("{base}{p}")).collect();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                let url = &urls[i % urls.len()];
                i += 1;
                let start = Instant::now();
                let r = http
                    .get(url)
                    .header("Accept", accept)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = r.status();
                let _ = r.bytes().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("GET {url}: {status}"));
                }
                samples.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, String>(samples)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

/// Loads the entries, then prints the fetch latencies of both forms and of `/livez`.
pub async fn figure(
    pool: &PgPool,
    base: &str,
    clients: usize,
    seconds: u64,
) -> Result<(), BoxError> {
    let start = Instant::now();
    let paths = load(pool).await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM status_list_entries")
        .fetch_one(pool)
        .await?;
    println!(
        "== status-list fetch: {total} entries in {} lists (loaded with SQL in {:.1} s), {clients} clients, {seconds} s per form",
        paths.len() + 1,
        start.elapsed().as_secs_f64()
    );
    let livez = vec!["/livez".to_owned()];
    let mut floor = fetch(base, &livez, "*/*", clients, seconds).await?;
    let floor_p99 = percentile(&mut floor, 99.0);
    println!(
        "baseline GET /livez: {} requests, p50 {:.2} ms, p99 {floor_p99:.2} ms",
        floor.len(),
        percentile(&mut floor, 50.0)
    );
    for (form, accept) in [
        ("CWT", "application/statuslist+cwt"),
        ("JWT", "application/statuslist+jwt"),
    ] {
        let mut samples = fetch(base, &paths, accept, clients, seconds).await?;
        let p99 = percentile(&mut samples, 99.0);
        println!(
            "GET /v1/status-lists/{{n}} ({form}): {} requests ({:.0}/s), p50 {:.2} ms, p99 {p99:.2} ms ({:.1} x the /livez p99)",
            samples.len(),
            samples.len() as f64 / seconds as f64,
            percentile(&mut samples, 50.0),
            p99 / floor_p99.max(0.001)
        );
    }
    Ok(())
}
