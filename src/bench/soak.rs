//! `shikaku bench soak --minutes N --rate R`: submits and pays applications
//! at a constant rate while an examiner reads the queue and decides cases,
//! holders file change requests and verifiers check certificates
//! (`soak_mix`); prints errors, lag, the job backlog and wait and resident
//! memory every minute. Fails on any 5xx or failed submit, a job backlog
//! that grows minute after minute, or memory that keeps growing after the
//! warm-up.

use std::time::Instant;

use domain::Role;

use super::load::load;
use super::soak_mix::{self, Actors, Register};
use super::{bench_settings, fresh_database, percentile, server_url, BenchArgs, BoxError, Serving};
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
    Ok(workers::jobs::backlog(pool).await?)
}

/// Runs the soak; an error when it failed.
pub async fn run(mut settings: Settings, args: BenchArgs) -> Result<(), BoxError> {
    let (server, _embedded) = server_url(&settings).await?;
    bench_settings(
        &mut settings,
        fresh_database(&server, "shikaku_soak").await?,
    );
    // A connection for each client and for each handler task of the workers.
    settings.db_max_connections = settings
        .db_max_connections
        .max(args.clients as u32)
        .max(settings.worker_tasks as u32);
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let token = app.tokens.mint("soak-applicant", Role::Applicant, 86_400);
    let examiner = app.tokens.mint("soak-examiner", Role::Examiner, 86_400);
    let senior = app.tokens.mint("soak-senior", Role::SeniorExaminer, 86_400);
    let signer = app
        .sandbox
        .clone()
        .ok_or("the soak needs the sandbox gateway")?;
    let (pool, lag) = (app.pool.clone(), app.lag.clone());
    let server = Serving::start(app);
    let actors = Actors {
        base: base.clone(),
        applicant: token.clone(),
        examiner,
        senior,
        signer: signer.clone(),
    };
    let mut register = Register::default();
    println!(
        "== soak: {} cases/s (submit and pay); 10 queue reads/s; {:.0} examinations/s, {:.0} change requests/s, {:.0} certificate verifications/s; {} minutes",
        args.rate,
        args.rate / 4.0,
        args.rate / 10.0,
        args.rate / 2.0,
        args.minutes
    );
    let mut failures = Vec::new();
    let (mut backlogs, mut memory) = (Vec::new(), Vec::new());
    for minute in 1..=args.minutes {
        let started = Instant::now();
        let waits = tokio::spawn(super::sustained::job_waits(pool.clone(), 60));
        let mix = soak_mix::run(&actors, &mut register, 60, args.rate);
        let cases = load(
            &base,
            &token,
            &signer,
            args.clients,
            60,
            Some(args.rate),
            true,
        );
        let (mix, cases) = tokio::join!(mix, cases);
        let cases = cases?;
        let (due, oldest) = backlog(&pool).await?;
        let mut waits = waits.await?;
        let mut lags: Vec<f64> = lag.drain();
        let rss = resident_mib();
        println!(
            "minute {minute:>3}: {} submit/pay commands ({} failed); {} queue reads, {} examinations, {} change requests, {} verifications ({} 4xx, {} 5xx); lag p99 {:.3} s, job wait p99 {:.3} s, {due} jobs due (oldest {oldest:.1} s), rss {rss:.0} MiB, {:.0} s",
            cases.commands,
            cases.errors,
            mix.queue_reads,
            mix.examinations,
            mix.change_requests,
            mix.verifications,
            mix.refused,
            mix.errors,
            percentile(&mut lags, 99.0),
            percentile(&mut waits, 99.0),
            started.elapsed().as_secs_f64()
        );
        for failure in cases.failures.iter().chain(&mix.failures) {
            println!("  failed: {failure}");
        }
        if cases.errors + mix.errors > 0 {
            failures.push(format!("minute {minute}: error answers"));
        }
        backlogs.push(due);
        memory.push(rss);
    }
    failures.extend(verdict(&backlogs, &memory, args.rate));
    server.stop().await?;
    if failures.is_empty() {
        println!("soak passed");
        Ok(())
    } else {
        Err(format!("soak failed: {}", failures.join("; ")).into())
    }
}

/// What the minute-end figures fail: a job backlog larger at each of the
/// last (up to three) minute ends than at the one before, over at least two
/// of them, and above what ten seconds of work leave due; or resident memory
/// [`MEMORY_GROWTH_LIMIT`] times its size after the warm-up.
fn verdict(backlogs: &[i64], memory: &[f64], rate: f64) -> Vec<String> {
    let mut failures = Vec::new();
    let recent: Vec<_> = backlogs.windows(2).rev().take(3).collect();
    let growing = recent.len() >= 2
        && recent.iter().all(|w| w[1] > w[0])
        && backlogs.last().copied().unwrap_or(0) as f64 > rate * 10.0;
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
    failures
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn a_steady_soak_passes() {
        let backlogs = [120, 90, 130, 100, 110];
        let memory = [80.0, 95.0, 97.0, 99.0, 98.0];
        assert!(verdict(&backlogs, &memory, 100.0).is_empty());
    }

    #[test]
    fn a_backlog_growing_minute_after_minute_fails() {
        let failures = verdict(&[100, 900, 2_000, 3_500], &[90.0; 4], 100.0);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].contains("backlog"));
        // Growing, but below ten seconds of work: the cascade's own wake.
        assert!(verdict(&[10, 20, 30, 40], &[90.0; 4], 100.0).is_empty());
    }

    #[test]
    fn memory_growing_after_the_warm_up_fails_and_during_it_does_not() {
        assert!(verdict(&[0; 4], &[40.0, 100.0, 110.0, 120.0], 100.0).is_empty());
        let failures = verdict(&[0; 4], &[40.0, 100.0, 110.0, 130.0], 100.0);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].contains("memory"));
    }
}
