//! `shikaku bench`: loads the running system over HTTP and prints figures next
//! to a pgbench baseline measured in the same run on the same database.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Args;
use domain::my_number::with_check_digit;
use domain::Role;
use rand::Rng;
use serde_json::json;
use sqlx::Connection;

use crate::startup::Application;
use crate::Settings;
use workers::payment::sandbox::SandboxSigner;

/// Benchmark options.
#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// `certificates` runs the certificate figures only (see README).
    pub suite: Option<String>,
    /// Concurrent HTTP clients (and pgbench clients).
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds per phase.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Applications in the queue for the queue look-up phase (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    pub queue_rows: i64,
}

type BoxError = Box<dyn std::error::Error>;

/// Percentile (0..=100) of unsorted samples, in the samples' unit.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank.min(samples.len() - 1)]
}

/// Runs every phase and prints the figures.
pub async fn run(mut settings: Settings, args: BenchArgs) -> Result<(), BoxError> {
    match args.suite.as_deref() {
        None => {}
        Some("certificates") => return crate::bench_certificates::run(settings, args).await,
        Some(other) => return Err(format!("unknown benchmark {other}; known: certificates").into()),
    }
    let (server_url, _embedded) = server_url(&settings).await?;
    let bench_url = fresh_database(&server_url, "shikaku_bench").await?;
    settings.database_url = bench_url.clone();
    settings.bind = "127.0.0.1:0".into();
    settings.public_url = String::new();
    settings.db_max_connections = settings.db_max_connections.max(args.clients as u32);
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let token = app.tokens.mint("bench-applicant", Role::Applicant, 3600);
    let examiner = app.tokens.mint("bench-examiner", Role::Examiner, 3600);
    // The bench pays without waiting for the checkout job: it signs the link itself.
    let signer = app
        .sandbox
        .clone()
        .ok_or("the bench needs the sandbox gateway")?;
    let pool = app.pool.clone();
    let lag = app.lag.clone();
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());

    println!(
        "== pgbench baseline: select events + insert event + upsert view row, {} clients, {} s",
        args.clients, args.seconds
    );
    let pgbench_tps = pgbench(&pool, &bench_url, args.clients, args.seconds).await?;
    println!("pgbench tps: {pgbench_tps:.1}");

    println!(
        "== HTTP submit-and-pay at peak, {} clients, {} s",
        args.clients, args.seconds
    );
    lag.drain();
    let peak = load(&base, &token, &signer, args.clients, args.seconds, None).await?;
    peak.print();
    let submit_rate = peak.submits as f64 / peak.elapsed;
    println!(
        "submit throughput {submit_rate:.1}/s = {:.0}% of pgbench tps (target >= 50%)",
        100.0 * submit_rate / pgbench_tps
    );

    let half = peak.commands as f64 / peak.elapsed / 2.0;
    println!(
        "== half of peak load: {half:.1} commands/s for {} s",
        args.seconds
    );
    wait_for_projections(&pool).await?;
    lag.drain();
    let paced = load(
        &base,
        &token,
        &signer,
        args.clients,
        args.seconds,
        Some(half),
    )
    .await?;
    paced.print();
    wait_for_projections(&pool).await?;
    let mut lags: Vec<f64> = lag.drain().into_iter().map(|s| s * 1000.0).collect();
    println!(
        "projection lag p50 {:.1} ms, p99 {:.1} ms over {} event applications (target p99 < 100 ms)",
        percentile(&mut lags, 50.0),
        percentile(&mut lags, 99.0),
        lags.len()
    );

    if args.queue_rows > 0 {
        println!(
            "== GET /v1/queue with {} applications in the queue",
            args.queue_rows
        );
        load_queue(&pool, args.queue_rows).await?;
        queue_latency(&base, &examiner).await?;
        console_queue_latency(&base, &examiner).await?;
    }
    handle.stop(true).await;
    server.await??;
    Ok(())
}

pub(crate) async fn server_url(
    settings: &Settings,
) -> Result<(String, Option<crate::embedded_pg::EmbeddedPostgres>), BoxError> {
    if settings.database_url.is_empty() {
        let pg = crate::embedded_pg::EmbeddedPostgres::start(&settings.data_dir)?;
        Ok((pg.url.clone(), Some(pg)))
    } else {
        Ok((settings.database_url.clone(), None))
    }
}

/// Drops and creates database `name` on the server of `url`; returns its URL.
pub async fn fresh_database(url: &str, name: &str) -> Result<String, BoxError> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    Ok(format!("{base}/{name}"))
}

fn pgbench_binary() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin/pgbench"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .find(|p| p.exists())
        .unwrap_or_else(|| "pgbench".into())
}

async fn pgbench(
    pool: &sqlx::PgPool,
    url: &str,
    clients: usize,
    seconds: u64,
) -> Result<f64, BoxError> {
    for stmt in [
        "DROP TABLE IF EXISTS bench_events, bench_view",
        "CREATE TABLE bench_events (LIKE events INCLUDING ALL)",
        "CREATE TABLE bench_view (id bigint PRIMARY KEY, status text NOT NULL, version bigint NOT NULL)",
    ] {
        sqlx::query(stmt).execute(pool).await?;
    }
    let script = std::env::temp_dir().join(format!("shikaku-pgbench-{}.sql", std::process::id()));
    std::fs::write(
        &script,
        r"\set aid random(1, 100000)
BEGIN;
SELECT payload FROM bench_events WHERE aggregate_type = 'QualificationRegistration' AND aggregate_id = 'bench-' || :aid ORDER BY sequence;
INSERT INTO bench_events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ('QualificationRegistration', gen_random_uuid()::text, 1, 'ApplicationSubmitted', '1', '{}', '{}');
INSERT INTO bench_view (id, status, version) VALUES (:aid, 'SUBMITTED', 1) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = bench_view.version + 1;
END;
",
    )?;
    let out = std::process::Command::new(pgbench_binary())
        .args(["-n", "-M", "prepared", "-j", "2"])
        .args(["-c", &clients.to_string(), "-T", &seconds.to_string(), "-f"])
        .arg(&script)
        .arg(url)
        .output()?;
    let _ = std::fs::remove_file(&script);
    sqlx::query("DROP TABLE bench_events, bench_view")
        .execute(pool)
        .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or_else(|| {
            format!(
                "pgbench gave no tps: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into()
        })
}

struct LoadResult {
    commands: usize,
    submits: usize,
    errors: usize,
    elapsed: f64,
    latencies_ms: Vec<f64>,
}

impl LoadResult {
    fn print(&self) {
        let mut l = self.latencies_ms.clone();
        println!(
            "commands {} ({} submits), errors {}, {:.1} commands/s, latency p50 {:.1} ms, p99 {:.1} ms",
            self.commands,
            self.submits,
            self.errors,
            self.commands as f64 / self.elapsed,
            percentile(&mut l, 50.0),
            percentile(&mut l, 99.0),
        );
    }
}

fn application(n: u64) -> serde_json::Value {
    let base: u64 = rand::rng().random_range(10_000_000_000..99_999_999_999);
    json!({
        "qualification_code": "CARE_WORKER",
        "family_name": "山田", "given_name": "花子",
        "family_name_kana": "ヤマダ", "given_name_kana": "ハナコ",
        "date_of_birth": "1990-04-01",
        "address": format!("東京都千代田区霞が関1-{n}"),
        "registered_domicile": "東京都千代田区",
        "email": "hanako@example.jp",
        "my_number": with_check_digit(&base.to_string()),
        "exam_pass_number": format!("P{n:08}"),
    })
}

/// Each client submits an application and pays it, until time is up; with a
/// rate, clients pace themselves to that many commands per second in total.
async fn load(
    base: &str,
    token: &str,
    signer: &SandboxSigner,
    clients: usize,
    seconds: u64,
    rate: Option<f64>,
) -> Result<LoadResult, BoxError> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let base = base.to_owned();
        let token = token.to_owned();
        let signer = signer.clone();
        let interval = rate.map(|r| Duration::from_secs_f64(2.0 * clients as f64 / r));
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let (mut commands, mut submits, mut errors, mut lat) = (0, 0, 0, Vec::new());
            let mut n = c as u64 * 1_000_000;
            while Instant::now() < deadline {
                let round = Instant::now();
                n += 1;
                let t = Instant::now();
                let r = http
                    .post(format!("{base}/v1/registrations"))
                    .bearer_auth(&token)
                    .json(&application(n))
                    .send()
                    .await;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                let id = match r {
                    Ok(r) if r.status().as_u16() == 201 => r
                        .json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|v| v["id"].as_str().map(str::to_owned)),
                    _ => None,
                };
                commands += 1;
                let Some(id) = id else {
                    errors += 1;
                    continue;
                };
                submits += 1;
                let t = Instant::now();
                let paid = http
                    .post(format!(
                        "{base}/sandbox/payments/{id}/pay?token={}",
                        signer.token(&id, Utc::now().timestamp() + 3600)
                    ))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                commands += 1;
                if !paid {
                    errors += 1;
                }
                if let Some(interval) = interval {
                    if let Some(rest) = interval.checked_sub(round.elapsed()) {
                        tokio::time::sleep(rest).await;
                    }
                }
            }
            (commands, submits, errors, lat)
        }));
    }
    let mut result = LoadResult {
        commands: 0,
        submits: 0,
        errors: 0,
        elapsed: 0.0,
        latencies_ms: vec![],
    };
    for t in tasks {
        let (c, s, e, l) = t.await?;
        result.commands += c;
        result.submits += s;
        result.errors += e;
        result.latencies_ms.extend(l);
    }
    result.elapsed = started.elapsed().as_secs_f64();
    Ok(result)
}

async fn wait_for_projections(pool: &sqlx::PgPool) -> Result<(), BoxError> {
    for _ in 0..600 {
        let behind: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM subscription_checkpoints c
             WHERE EXISTS (SELECT 1 FROM events e WHERE (e.transaction_id, e.global_position) >
                   (c.last_transaction_id, c.last_global_position))",
        )
        .fetch_one(pool)
        .await?;
        if behind == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("projections did not catch up within 30 s".into())
}

/// Fills the queue view with synthetic cases in bulk. The query path is what is
/// measured; pushing a million applications through the HTTP API would take
/// longer than the benchmark's budget.
async fn load_queue(pool: &sqlx::PgPool, rows: i64) -> Result<(), BoxError> {
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO examiner_queue (case_id, case_type, qualification_code, procedure, status,
                                     submitted_at, due_at, assigned_to)
         SELECT gen_random_uuid(), 'REGISTRATION',
                (ARRAY['CARE_WORKER','SOCIAL_WORKER','PSYCHIATRIC_SOCIAL_WORKER','CERTIFIED_PSYCHOLOGIST','NURSERY_TEACHER','CARE_MANAGER'])[1 + i % 6],
                'NEW_REGISTRATION',
                (ARRAY['AWAITING_PAYMENT','UNDER_EXAMINATION','ACTION_REQUIRED','REGISTERED'])[1 + i % 4],
                now() - make_interval(mins => i), now() - make_interval(mins => i) + interval '30 days',
                CASE WHEN i % 3 = 0 THEN 'examiner-' || (i % 50) END
         FROM generate_series(1, $1::int) AS i",
    )
    .bind(rows)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE examiner_queue").execute(pool).await?;
    println!(
        "loaded {rows} queue rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn queue_latency(base: &str, token: &str) -> Result<(), BoxError> {
    let http = reqwest::Client::new();
    let queries = [
        "limit=50".to_owned(),
        "status=UNDER_EXAMINATION&limit=50".to_owned(),
        "qualification_code=SOCIAL_WORKER&limit=50".to_owned(),
        "assigned_to=examiner-3&limit=50".to_owned(),
        "overdue=true&limit=50".to_owned(),
    ];
    let mut lat = Vec::new();
    let started = Utc::now();
    for i in 0..1000 {
        let q = &queries[i % queries.len()];
        let t = Instant::now();
        let r = http
            .get(format!("{base}/v1/queue?{q}"))
            .bearer_auth(token)
            .send()
            .await?;
        let ok = r.status().is_success();
        let _ = r.bytes().await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        if !ok {
            return Err(format!("GET /v1/queue?{q} failed").into());
        }
    }
    println!(
        "GET /v1/queue: {} requests in {:.1} s, p50 {:.2} ms, p99 {:.2} ms (target p99 < 20 ms)",
        lat.len(),
        (Utc::now() - started).num_milliseconds() as f64 / 1000.0,
        percentile(&mut lat, 50.0),
        percentile(&mut lat, 99.0)
    );
    Ok(())
}

/// Server time of the console's queue page (HTML, counts per status, one
/// page of 25) with the same queue loaded, signed in through the login form.
async fn console_queue_latency(base: &str, token: &str) -> Result<(), BoxError> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned)
    };
    let form = http.get(format!("{base}/console/login")).send().await?;
    let csrf = cookie(&form, "shikaku_console_login").ok_or("no sign-in cookie")?;
    let signed_in = http
        .post(format!("{base}/console/login"))
        .header("cookie", format!("shikaku_console_login={csrf}"))
        .form(&[("token", token), ("csrf", csrf.as_str())])
        .send()
        .await?;
    let session = cookie(&signed_in, "shikaku_console").ok_or("console sign-in failed")?;
    let queries = [
        "",
        "status=UNDER_EXAMINATION",
        "qualification_code=SOCIAL_WORKER",
        "assigned_to=examiner-3",
        "overdue=1",
        "status=ACTION_REQUIRED&qualification_code=CARE_WORKER",
    ];
    let mut lat = Vec::new();
    let started = Instant::now();
    for i in 0..1000 {
        let q = queries[i % queries.len()];
        let t = Instant::now();
        let r = http
            .get(format!("{base}/console/queue?{q}"))
            .header("cookie", format!("shikaku_console={session}"))
            .send()
            .await?;
        let ok = r.status().is_success();
        let _ = r.bytes().await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        if !ok {
            return Err(format!("GET /console/queue?{q} failed").into());
        }
    }
    println!(
        "GET /console/queue: {} pages in {:.1} s, p50 {:.2} ms, p99 {:.2} ms (target p99 < 50 ms)",
        lat.len(),
        started.elapsed().as_secs_f64(),
        percentile(&mut lat, 50.0),
        percentile(&mut lat, 99.0)
    );
    Ok(())
}
