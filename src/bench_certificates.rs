//! `shikaku bench certificates`: verifications per second on one core, and
//! the issue rate, both of signing alone and of `certificate.issue` jobs run
//! by the workers against a real database.

use std::time::{Duration, Instant};

use certificate::encoding::{b64, unb64};
use certificate::token::sign_certificate;
use certificate::{
    verify_certificate, CertificateFacts, Claims, KeySet, SigningKey, StatusList, StatusReference,
};
use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use crate::bench::{bench_settings, fresh_database, server_url, BenchArgs, Serving};
use crate::startup::Application;
use crate::Settings;

type BoxError = Box<dyn std::error::Error>;

/// Certificates issued through the job queue in the issue phase.
const JOBS: usize = 1000;

fn sample_claims(i: u64) -> Claims {
    Claims {
        issuer: "https://shikaku.example.jp".into(),
        issued_at: 1_790_000_000,
        facts: CertificateFacts {
            certificate_id: Uuid::from_u128(u128::from(i)),
            qualification_code: "CARE_WORKER".into(),
            qualification_name: "介護福祉士".into(),
            family_name: "山田".into(),
            given_name: "花子".into(),
            family_name_kana: "ヤマダ".into(),
            given_name_kana: "ハナコ".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 4, 1).unwrap_or_default(),
            registration_number: format!("{i:07}"),
            registered_on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
            nationality: None,
            endorsements: vec![],
        },
        status: StatusReference {
            idx: i,
            uri: "https://shikaku.example.jp/v1/certificate-status-list".into(),
        },
    }
}

/// Runs `work` on one thread for `seconds` and returns operations per second.
fn per_second_on_one_core(seconds: u64, mut work: impl FnMut(u64) + Send) -> f64 {
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                let deadline = Duration::from_secs(seconds);
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < deadline {
                    for _ in 0..100 {
                        work(n);
                        n += 1;
                    }
                }
                n as f64 / start.elapsed().as_secs_f64()
            })
            .join()
            .unwrap_or(0.0)
    })
}

/// Prints the certificate figures.
pub async fn run(mut settings: Settings, args: BenchArgs) -> Result<(), BoxError> {
    let seconds = args.seconds.clamp(1, 10);
    let (key, _) = SigningKey::generate()?;
    let mut keys = KeySet::default();
    keys.insert(&key.public_key());
    let token = b64(&sign_certificate(&sample_claims(7), &key));
    let mut list = StatusList::new(1_000_000);
    list.set(3, certificate::Status::Invalid);

    println!("== baseline: ring's P-256 ECDSA signature check alone on one core, {seconds} s (the ceiling of every figure below)");
    let message = unb64(&token)?;
    let signature = key.sign(&message);
    let ceiling = per_second_on_one_core(seconds, |_| {
        assert_eq!(keys.verify(key.kid(), &message, &signature), Some(true));
    });
    println!("signature checks/s: {ceiling:.0}");

    println!("== certificate verification on one core, {seconds} s (base64url, COSE_Sign1, ES256, claims, status bit)");
    let verify_rate = per_second_on_one_core(seconds, |_| {
        let verdict = verify_certificate(&token, &keys, |idx| list.status(idx));
        assert_eq!(verdict.result(), "VALID");
    });
    println!(
        "verifications/s: {verify_rate:.0} (goal 20,000; {:.2} x the signature check alone)",
        verify_rate / ceiling.max(1.0)
    );
    crate::bench_sd_jwt::presentation_figure(seconds, verify_rate, ceiling, |s, w| {
        per_second_on_one_core(s, w)
    })?;

    println!("== certificate signing on one core, {seconds} s (claims, COSE_Sign1, ES256)");
    let sign_rate = per_second_on_one_core(seconds, |i| {
        let _ = sign_certificate(&sample_claims(i), &key);
    });
    println!("signatures/s: {sign_rate:.0}");

    println!(
        "== certificate.issue jobs through the workers: {JOBS} registrations, {} workers",
        settings.worker_concurrency
    );
    let (server, _embedded) = server_url(&settings).await?;
    bench_settings(
        &mut settings,
        fresh_database(&server, "shikaku_bench_certificates").await?,
    );
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool.clone();
    let running = Serving::start(app);
    let mut csv = String::from("qualification_code,registration_number,registered_on,family_name,given_name,family_name_kana,given_name_kana,date_of_birth,address,registered_domicile\n");
    for i in 0..JOBS {
        csv.push_str(&format!(
            "CARE_WORKER,{:07},2001-04-01,山田,花子{i},ヤマダ,ハナコ,1970-01-01,東京都千代田区,東京都\n",
            9_000_000 + i
        ));
    }
    crate::import::import_register(&pool, &csv).await?;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT aggregate_id FROM events WHERE event_type = 'RegistrationImported'",
    )
    .fetch_all(&pool)
    .await?;
    let start = Instant::now();
    let mut tx = pool.begin().await?;
    for id in &ids {
        let job = workers::NewJob::new(
            workers::certificate::KIND,
            format!("bench:{id}"),
            json!({ "registration_id": id }),
        );
        workers::enqueue(&mut tx, job).await?;
    }
    tx.commit().await?;
    loop {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = $1 AND state IN ('succeeded', 'dead')",
        )
        .bind(workers::certificate::KIND)
        .fetch_one(&pool)
        .await?;
        if done as usize >= ids.len() {
            break;
        }
        if start.elapsed() > Duration::from_secs(600) {
            return Err("certificate jobs did not finish within 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let issued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'CertificateIssued'")
            .fetch_one(&pool)
            .await?;
    println!(
        "issued {issued} certificates in {elapsed:.2} s: {:.0} certificates/s through the job queue",
        issued as f64 / elapsed
    );
    crate::bench_status_lists::figure(&pool, &base, args.clients.min(16), seconds).await?;
    running.stop().await?;
    Ok(())
}
