//! The same-run database baseline: pgbench running a three-statement
//! transaction shaped like a submit (read an aggregate's events, append one,
//! upsert a view row).

use std::path::PathBuf;

use super::BoxError;

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

/// The tps pgbench sustains with `clients` for `seconds`, in pgbench's
/// `protocol` (`simple`, its default, or `prepared`, which is what sqlx does).
pub async fn pgbench(
    pool: &sqlx::PgPool,
    url: &str,
    clients: usize,
    seconds: u64,
    protocol: &str,
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
        .args(["-n", "-M", protocol, "-j", "2"])
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
