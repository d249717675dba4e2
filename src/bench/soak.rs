//! `shikaku bench soak --minutes N --rate R`: submits and pays applications
//! and reads the examiner queue at a constant rate, and prints errors, lag,
//! the job backlog and resident memory every minute. Fails on any error
//! answer, a job backlog that grows minute after minute, or memory that keeps
//! growing after the warm-up.

use std::time::{Duration, Instant};

use domain::Role;

use super::load::load;
use super::{fresh_database, percentile, server_url, BenchArgs, BoxError};
use crate::startup::Application;
use crate::Settings;

/// Minutes before memory is expected to level off.
const WARM_UP_MINUTES: usize = 2;
/// Growth of resident memory after the warm-up that fails the soak.
const MEMORY_GROWTH_LIMIT: f64 = 1.25;

/// This process's resident memory in MiB (the server runs in it).
fn resident_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Jobs due or running, and how long the oldest due one has waited.
async fn backlog(pool: &sqlx::PgPool) -> Result<(i64, f64), BoxError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM jobs WHERE state = 'queued' AND run_at <= now())
                  + (SELECT count(*) FROM jobs WHERE state = 'running'),
                (SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0)::float8
                 FROM jobs WHERE state = 'queued' AND run_at <= now())",
    )
    .fetch_one(pool)
    .await?)
}

/// Runs the soak; an error when it failed.
pub async fn run(mut settings: Settings, args: BenchArgs) -> Result<(), BoxError> {
    let (server, _embedded) = server_url(&settings).await?;
    settings.database_url = fresh_database(&server, "shikaku_soak").await?;
    settings.bind = "127.0.0.1:0".into();
    settings.public_url = String::new();
    settings.db_max_connections = settings.db_max_connections.max(args.clients as u32);
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let token = app.tokens.mint("soak-applicant", Role::Applicant, 86_400);
    let examiner = app.tokens.mint("soak-examiner", Role::Examiner, 86_400);
    let signer = app
        .sandbox
        .clone()
        .ok_or("the soak needs the sandbox gateway")?;
    let (pool, lag, handle) = (app.pool.clone(), app.lag.clone(), app.handle());
    let server = tokio::spawn(app.run_until_stopped());
    println!(
        "== soak: {} cases/s (submit and pay) and 10 queue reads/s for {} minutes",
        args.rate, args.minutes
    );
    let mut failures = Vec::new();
    let (mut backlogs, mut memory) = (Vec::new(), Vec::new());
    for minute in 1..=args.minutes {
        let started = Instant::now();
        let reads = tokio::spawn(read_queue(base.clone(), examiner.clone(), 60));
        let cases = load(
            &base,
            &token,
            &signer,
            args.clients,
            60,
            Some(args.rate),
            true,
        )
        .await?;
        let (queue_reads, queue_errors) = reads.await?;
        let (due, oldest) = backlog(&pool).await?;
        let mut lags: Vec<f64> = lag.drain();
        let rss = resident_mib();
        println!(
            "minute {minute:>3}: {} commands, {} errors, {queue_reads} queue reads ({queue_errors} errors), lag p99 {:.3} s, {due} jobs due (oldest {oldest:.1} s), rss {rss:.0} MiB, {:.0} s",
            cases.commands,
            cases.errors,
            percentile(&mut lags, 99.0),
            started.elapsed().as_secs_f64()
        );
        if cases.errors + queue_errors > 0 {
            failures.push(format!("minute {minute}: error answers"));
        }
        backlogs.push(due);
        memory.push(rss);
    }
    // Growing: larger at each of the last (up to three) minute ends than at
    // the one before, over at least two of them, and above what ten seconds
    // of work leave due.
    let recent: Vec<_> = backlogs.windows(2).rev().take(3).collect();
    let growing = recent.len() >= 2
        && recent.iter().all(|w| w[1] > w[0])
        && backlogs.last().copied().unwrap_or(0) as f64 > args.rate * 10.0;
    if growing {
        failures.push(format!("the job backlog keeps growing: {backlogs:?}"));
    }
    if memory.len() > WARM_UP_MINUTES {
        let warm = memory[WARM_UP_MINUTES - 1];
        let last = memory[memory.len() - 1];
        if last > warm * MEMORY_GROWTH_LIMIT {
            failures.push(format!(
                "resident memory grew from {warm:.0} MiB after the warm-up to {last:.0} MiB"
            ));
        }
    }
    handle.stop(true).await;
    server.await??;
    if failures.is_empty() {
        println!("soak passed");
        Ok(())
    } else {
        Err(format!("soak failed: {}", failures.join("; ")).into())
    }
}

/// Reads the examiner queue ten times a second for `seconds`; returns
/// reads and error answers.
async fn read_queue(base: String, token: String, seconds: u64) -> (usize, usize) {
    let http = reqwest::Client::new();
    let end = Instant::now() + Duration::from_secs(seconds);
    let (mut reads, mut errors) = (0, 0);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while Instant::now() < end {
        tick.tick().await;
        let ok = http
            .get(format!("{base}/v1/queue?limit=20"))
            .bearer_auth(&token)
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        reads += 1;
        errors += usize::from(!ok);
    }
    (reads, errors)
}
