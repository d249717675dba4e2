//! The queue look-up figures: the examiner queue seeded in bulk in SQL, then
//! `GET /v1/queue` and the console's queue page timed.

use std::time::Instant;

use chrono::Utc;

use super::{percentile, BoxError};

/// Fills the queue view with synthetic cases in bulk. The query path is what is
/// measured; pushing a million applications through the HTTP API would take
/// longer than the benchmark's budget. Tops the queue up to `rows` synthetic
/// cases (one set-based INSERT).
pub async fn load_queue(pool: &sqlx::PgPool, rows: i64) -> Result<(), BoxError> {
    let started = Instant::now();
    let present: i64 = sqlx::query_scalar("SELECT count(*) FROM examiner_queue")
        .fetch_one(pool)
        .await?;
    let rows_to_add = rows - present;
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
    .bind(rows_to_add.max(0))
    .execute(pool)
    .await?;
    // As autovacuum would leave it in steady state: statistics, hint bits
    // and the visibility map set, rather than set by the first readers (or
    // by an autovacuum run) in the middle of the measurement.
    sqlx::query("VACUUM (ANALYZE) examiner_queue")
        .execute(pool)
        .await?;
    println!(
        "loaded {rows} queue rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Times 1,000 `GET /v1/queue` with assorted filters.
pub async fn queue_latency(base: &str, token: &str) -> Result<(), BoxError> {
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
        "GET /v1/queue: {} requests in {:.1} s, p50 {:.2} ms, p99 {:.2} ms (goal p99 < 5 ms at 10 M)",
        lat.len(),
        (Utc::now() - started).num_milliseconds() as f64 / 1000.0,
        percentile(&mut lat, 50.0),
        percentile(&mut lat, 99.0)
    );
    Ok(())
}

/// Server time of the console's queue page (HTML, counts per status, one
/// page of 25) with the same queue loaded, signed in through the login form.
pub async fn console_queue_latency(base: &str, token: &str) -> Result<(), BoxError> {
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
