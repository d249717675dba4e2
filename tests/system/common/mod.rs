//! Shared test harness: each test gets its own database on the server named
//! by DATABASE_URL and a real application listening on port 0.

pub mod certificates;
pub mod console;
pub mod ministry;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use api::auth::TokenKeys;
use domain::my_number::with_check_digit;
use domain::Role;
use reqwest::{Response, StatusCode};
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

/// The server tests create their databases on.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Creates an empty database and returns its URL.
pub async fn fresh_database() -> String {
    let url = server_url();
    let name = format!("shikaku_test_{}", Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .expect("DATABASE_URL answers");
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

/// Checks an answer's status; its JSON body.
pub async fn answer(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    r.json().await.unwrap()
}

/// Checks that an answer is a problem (application/problem+json) with
/// `status`; its body.
pub async fn problem(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "problems are problem+json"
    );
    r.json().await.unwrap()
}

/// Checks that an answer is 201 Created; the id of what it created.
pub async fn created_id(r: Response) -> String {
    let body = answer(r, StatusCode::CREATED).await;
    body["id"].as_str().expect("an id").to_owned()
}

/// A running application and a client for it.
pub struct TestApp {
    pub registry: std::sync::Arc<projections::registry::SimulatedRegistry>,
    pub base: String,
    pub pool: PgPool,
    pub tokens: TokenKeys,
    pub http: reqwest::Client,
    pub database_url: String,
    /// How many subscriptions the app runs (all must catch up to settle).
    pub subscriptions: i64,
    /// Stops the server (and then its subscriptions).
    pub handle: actix_web::dev::ServerHandle,
}

/// Settings for a test app on `database_url`.
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::load().expect("settings");
    settings.database_url = database_url.to_owned();
    settings.bind = "127.0.0.1:0".into();
    settings.public_url = String::new();
    settings.data_dir = std::env::temp_dir().join(format!("shikaku-test-{}", Uuid::new_v4()));
    settings.jwt_secret = Some("test-secret".into());
    settings.vault_key = Some("11".repeat(32).into());
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
    /// A token for `sub` in `role`.
    pub fn token(&self, role: Role, sub: &str) -> String {
        self.tokens.mint(sub, role, 3600)
    }

    /// POSTs JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// GETs with a token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// POSTs JSON as `sub` in `role`.
    pub async fn post_as(&self, role: Role, sub: &str, path: &str, body: &Value) -> Response {
        self.post(path, &self.token(role, sub), body).await
    }

    /// GETs as `sub` in `role`.
    pub async fn get_as(&self, role: Role, sub: &str, path: &str) -> Response {
        self.get(path, &self.token(role, sub)).await
    }

    /// GETs without a token.
    pub async fn get_anonymous(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent")
    }

    /// The JSON a GET without a token answers.
    pub async fn public_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get_anonymous(path).await.json().await.unwrap()
    }

    /// The text a GET without a token answers.
    pub async fn public_text(&self, path: &str) -> String {
        self.get_anonymous(path).await.text().await.unwrap()
    }

    /// The JSON a GET with a token answers.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        self.get(path, token).await.json().await.unwrap()
    }

    /// The text at `url` (a whole URL, such as a link the app handed out).
    pub async fn text_at(&self, url: &str) -> String {
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// POSTs JSON with a token, expects 200 and returns the answer.
    pub async fn post_ok(&self, path: &str, token: &str, body: &Value) -> Value {
        let r = self.post(path, token, body).await;
        let status = r.status();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        answer
    }

    /// The examiner's proposal to approve the case at `case` (such as
    /// `/v1/registrations/{id}`) and the senior examiner's approval of it;
    /// returns the approved case.
    pub async fn approve(&self, case: &str, examiner: &str, senior: &str) -> Value {
        self.approve_with(case, examiner, senior, &json!({"outcome": "APPROVE"}))
            .await
    }

    /// [`TestApp::approve`] with the examiner's own `proposal` body.
    pub async fn approve_with(
        &self,
        case: &str,
        examiner: &str,
        senior: &str,
        proposal: &Value,
    ) -> Value {
        self.post_ok(
            &format!("{case}/decision-proposals"),
            &self.token(Role::Examiner, examiner),
            proposal,
        )
        .await;
        self.post_ok(
            &format!("{case}/decision-approvals"),
            &self.token(Role::SeniorExaminer, senior),
            &json!({}),
        )
        .await
    }

    /// The case at `case` claimed by `examiner`, then approved with four eyes.
    pub async fn claim_and_approve(&self, case: &str, examiner: &str, senior: &str) -> Value {
        self.post_ok(
            &format!("{case}/assignment"),
            &self.token(Role::Examiner, examiner),
            &json!({}),
        )
        .await;
        self.approve(case, examiner, senior).await
    }

    /// An application paid, examined by `examiner` and approved by `senior`:
    /// on the register. Its id and the approved registration.
    pub async fn registered(
        &self,
        holder: &str,
        number: &str,
        examiner: &str,
        senior: &str,
    ) -> (String, Value) {
        let id = self.claimed(holder, number, examiner).await;
        let approved = self
            .approve(&format!("/v1/registrations/{id}"), examiner, senior)
            .await;
        (id, approved)
    }

    /// Uploads a small PDF as `sub` (role applicant) and returns its id.
    pub async fn upload_pdf(&self, sub: &str) -> String {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4\n% family register extract\n".to_vec())
                .file_name("extract.pdf"),
        );
        let r = self
            .http
            .post(format!("{}/v1/attachments", self.base))
            .bearer_auth(self.token(Role::Applicant, sub))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        // The payment worker opens the checkout; wait for it so the case is at rest.
        self.settle().await;
        body["id"].as_str().unwrap().to_owned()
    }

    /// Submits an application as `applicant` and returns its id.
    pub async fn apply(&self, applicant: &str, number: &str) -> String {
        let r = self
            .post(
                "/v1/registrations",
                &self.token(Role::Applicant, applicant),
                &application(number),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        // The payment worker opens the checkout; wait for it so the case is at rest.
        self.settle().await;
        body["id"].as_str().unwrap().to_owned()
    }

    /// The case's checkout URL, once the payment worker has opened it.
    pub async fn checkout_url(&self, id: &str) -> String {
        let observer = self.token(Role::SeniorExaminer, "observer");
        for _ in 0..400 {
            for path in [
                format!("/v1/registrations/{id}"),
                format!("/v1/change-requests/{id}"),
            ] {
                let r = self.get(&path, &observer).await;
                if r.status() == StatusCode::OK {
                    let body: Value = r.json().await.unwrap();
                    if let Some(url) = body["payment"]["checkout_url"].as_str() {
                        return url.to_owned();
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no checkout was opened for {id}");
    }

    /// Presses Pay (or Decline) on the case's sandbox checkout page.
    pub async fn sandbox(&self, id: &str, action: &str) -> Response {
        let url = self.checkout_url(id).await;
        let (page, token) = url.split_once('?').unwrap();
        self.http
            .post(format!("{page}/{action}?{token}"))
            .send()
            .await
            .unwrap()
    }

    /// Pays a case in the sandbox and waits until the registers have been
    /// asked (the inquiry job appends its answer to the case).
    pub async fn pay(&self, id: &str) {
        let r = self.sandbox(id, "pay").await;
        assert_eq!(r.status(), StatusCode::OK);
        self.settle().await;
    }

    /// An application, paid and claimed by `examiner`.
    pub async fn claimed(&self, applicant: &str, number: &str, examiner: &str) -> String {
        let id = self.apply(applicant, number).await;
        self.pay(&id).await;
        let r = self
            .post(
                &format!("/v1/registrations/{id}/assignment"),
                &self.token(Role::Examiner, examiner),
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        id
    }

    /// The case's row in the examiners' queue (`query` such as `?status=...`).
    pub async fn queued(&self, query: &str, token: &str, id: &str) -> Value {
        let queue: Value = self.get_json(&format!("/v1/queue{query}"), token).await;
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case_id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the queue: {queue}"))
            .clone()
    }

    /// The registration as its examiners see it.
    pub async fn registration(&self, id: &str) -> Value {
        let r = self
            .get(
                &format!("/v1/registrations/{id}"),
                &self.token(Role::SeniorExaminer, "observer"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    /// Waits until every subscription has read every event and every job
    /// that is due has run (jobs chain: event, job, command, event, ...).
    pub async fn settle(&self) {
        // Long, because snapshots are cluster-wide: another test's open
        // transaction holds every database's subscriptions back a little.
        for _ in 0..1200 {
            let (behind, subscriptions, jobs): (i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM subscription_checkpoints c
                         WHERE EXISTS (SELECT 1 FROM events e
                                       WHERE (e.transaction_id, e.global_position) >
                                             (c.last_transaction_id, c.last_global_position))),
                        (SELECT count(*) FROM subscription_checkpoints),
                        (SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')
                                AND run_at <= now() + interval '2 seconds'
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
