//! Shared test harness: each test gets its own database on the server named
//! by DATABASE_URL and a real application listening on port 0.

mod cases;
pub mod certificates;
pub mod console;
pub mod ministry;
mod register;
mod requests;

pub use requests::{answer, created_id, problem, raw_exchange};

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use api::auth::TokenKeys;
use domain::my_number::with_check_digit;
use domain::Role;
use serde_json::{json, Value};
use shikaku::{Application, Settings};
use sqlx::{Connection, PgPool};
use uuid::Uuid;

/// Every role but the administrator's.
pub const NOT_ADMIN: [Role; 4] = [
    Role::Examiner,
    Role::SeniorExaminer,
    Role::Applicant,
    Role::Ministry,
];

/// The token secret of test apps (the server refuses one under 32 bytes).
pub const JWT_SECRET: &str = "test-secret-of-thirty-two-bytes-or-more";
/// The vault key of test apps, hex: the CLI needs it too (it keys client secrets).
pub const VAULT_KEY: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// The server tests create their databases on.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Creates an empty database and returns its URL. Its name carries this
/// process's id, so that a later run drops it once this process is gone.
pub async fn fresh_database() -> String {
    let url = server_url();
    let name = format!(
        "shikaku_test_{}_{}",
        std::process::id(),
        Uuid::new_v4().simple()
    );
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .expect("DATABASE_URL answers");
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT.get_or_init(|| drop_abandoned(&url)).await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&url)
        .to_owned();
    format!("{base}/{name}")
}

/// Drops the test databases of earlier runs whose process has ended (a test
/// binary leaves its databases for a failure to be looked at); those of runs
/// still going are left alone.
async fn drop_abandoned(url: &str) {
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        return;
    };
    let names: Vec<String> = sqlx::query_scalar(
        r"SELECT datname FROM pg_database WHERE datname LIKE 'shikaku\_test\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let gone = pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists());
        if gone {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Everything the process logged, for checks that nothing leaks into logs.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            .with_writer(move || CaptureWriter(writer.clone()))
            .try_init();
        buffer
    })
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
/// A running application and a client for it.
pub struct TestApp {
    pub registry: std::sync::Arc<adapters::registry::SimulatedRegistry>,
    pub base: String,
    pub pool: PgPool,
    pub tokens: TokenKeys,
    pub http: reqwest::Client,
    pub database_url: String,
    /// How many subscriptions the app runs (all must catch up to settle).
    pub subscriptions: i64,
    /// Stops the server (and then its subscriptions).
    pub handle: actix_web::dev::ServerHandle,
    /// The metrics listener's `/metrics`.
    pub metrics_url: String,
}

/// Settings for a test app on `database_url`.
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::load().expect("settings");
    settings.database_url = database_url.to_owned();
    settings.bind = "127.0.0.1:0".into();
    settings.metrics_bind = "127.0.0.1:0".into();
    settings.public_url = String::new();
    settings.data_dir = std::env::temp_dir().join(format!("shikaku-test-{}", Uuid::new_v4()));
    settings.jwt_secret = Some(JWT_SECRET.into());
    settings.vault_key = Some(VAULT_KEY.into());
    settings.db_max_connections = 10;
    // Failed jobs retry quickly so tests see the retry.
    settings.job_backoff_base_ms = 50;
    settings
}

/// Starts the application on its own database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application with adjusted settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(&fresh_database().await, adjust).await
}

/// Starts another application on an existing database (a restart).
pub async fn spawn_app_on(database_url: &str, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    log_buffer();
    let mut settings = test_settings(database_url);
    adjust(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("application starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool.clone();
    let tokens = app.tokens.clone();
    let registry = app.registry.clone();
    let subscriptions = app.subscriptions.len() as i64;
    let handle = app.handle();
    let metrics_url = app.metrics_url.clone().expect("a metrics listener");
    tokio::spawn(app.run_until_stopped());
    TestApp {
        registry,
        base,
        pool,
        tokens,
        http: reqwest::Client::new(),
        database_url: database_url.to_owned(),
        handle,
        subscriptions,
        metrics_url,
    }
}

/// A valid My Number built from 11 base digits.
pub fn my_number(base: &str) -> String {
    with_check_digit(base)
}

/// A complete, valid application body.
pub fn application(my_number: &str) -> Value {
    json!({
        "qualification_code": "CARE_WORKER",
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "date_of_birth": "1990-04-01",
        "address": "東京都千代田区霞が関1-2-2",
        "registered_domicile": "東京都千代田区",
        "email": "hanako@example.jp",
        "my_number": my_number,
        "exam_pass_number": "P12345678",
    })
}

impl TestApp {
    /// What the metrics listener answers (the classic text format).
    pub async fn metrics(&self) -> String {
        let r = self.http.get(&self.metrics_url).send().await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        r.text().await.unwrap()
    }

    /// Waits until every subscription has read every event and every job
    /// that is due has run (jobs chain: event, job, command, event, ...).
    pub async fn settle(&self) {
        // Long, because snapshots are cluster-wide: another test's open
        // transaction holds every database's subscriptions back a little,
        // and a loaded machine runs many tests' background work at once.
        for _ in 0..2400 {
            let (behind, subscriptions, jobs): (i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM subscription_checkpoints c
                         WHERE EXISTS (SELECT 1 FROM events e
                                       WHERE (e.transaction_id, e.global_position) >
                                             (c.last_transaction_id, c.last_global_position))),
                        (SELECT count(*) FROM subscription_checkpoints),
                        (SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')
                                AND run_at <= app_now() + interval '2 seconds'
                                AND kind <> 'stripe.reconcile')",
            )
            .fetch_one(&self.pool)
            .await
            .unwrap();
            if behind == 0 && subscriptions >= self.subscriptions && jobs == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("subscriptions and jobs did not settle");
    }
}

/// Jobs queued or running: 0 when the workers have nothing left to do.
pub async fn open_jobs(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The names of the files in a mail outbox, sorted.
pub fn outbox_names(outbox: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}
