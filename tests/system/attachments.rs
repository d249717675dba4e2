//! Uploads: accepted by content, limited in size (the file and the whole
//! body), private to their uploader; staff read them only through a case they
//! may act on that references them, and every such read is audited. Pinned by
//! digest in the events, cleaned up when unused.

use crate::common;

use crate::common::{answer, problem, spawn_app, TestApp};
use domain::Role;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.http
        .post(format!("{}/v1/attachments", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn uploads_are_checked_by_content_and_size() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "a");
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let r = upload(&app, &token, "scan.png", png.clone()).await;
    let body = answer(r, StatusCode::CREATED).await;
    assert_eq!(body["content_type"], "image/png");
    assert_eq!(body["size"], png.len());
    assert_eq!(body["sha256"].as_str().unwrap().len(), 64);

    let r = upload(
        &app,
        &token,
        "extract.pdf",
        b"MZ\x90\x00 an executable".to_vec(),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "the name does not make it a PDF"
    );
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let r = upload(&app, &token, "big.pdf", big).await;
    let p = answer(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(p["code"], "PAYLOAD_TOO_LARGE");
    let r = app
        .http
        .post(format!("{}/v1/attachments", app.base))
        .bearer_auth(&token)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let none = Form::new().text("other", "x");
    let r = app
        .http
        .post(format!("{}/v1/attachments", app.base))
        .bearer_auth(&token)
        .multipart(none)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = upload(
        &app,
        &app.token(Role::Ministry, "m"),
        "x.pdf",
        b"%PDF-1.4".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn attachments_are_private_and_referenced_by_digest() {
    let app = spawn_app().await;
    let mine = app.upload_pdf("owner").await;
    let theirs = app.upload_pdf("someone-else").await;
    let owner = app.token(Role::Applicant, "owner");
    let get = |token: String, id: String| {
        let app = &app;
        async move {
            app.http
                .get(format!("{}/v1/attachments/{id}", app.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let r = get(owner.clone(), mine.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"{mine}.pdf\"").as_str()
    );
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(
        get(owner.clone(), theirs.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    // Staff never read through this route: only through a case (below).
    let r = get(app.token(Role::Examiner, "ex"), theirs.clone()).await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "READ_THROUGH_CASE"
    );

    // Referencing another user's attachment is refused as if it did not exist.
    let id = app
        .claimed("owner", &common::my_number("12121212121"), "ex")
        .await;
    app.post_as(
        Role::Examiner,
        "ex",
        &format!("/v1/registrations/{id}/information-requests"),
        &json!({"reason_code": "DOCUMENT_MISSING", "message": "attach your pass certificate"}),
    )
    .await;
    let path = format!("/v1/registrations/{id}/responses");
    let r = app
        .post(
            &path,
            &owner,
            &json!({"message": "here", "attachment_ids": [theirs]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.registration(&id).await["status"], "ACTION_REQUIRED");
    app.post_ok(
        &path,
        &owner,
        &json!({"message": "here", "attachment_ids": [mine]}),
    )
    .await;
    let payload: String = sqlx::query_scalar(
        "SELECT payload::text FROM events WHERE aggregate_id = $1 AND event_type = 'ApplicantResponded'",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let digest: String = sqlx::query_scalar("SELECT sha256 FROM attachments WHERE id = $1::uuid")
        .bind(&mine)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        payload.contains(&digest),
        "the event pins the content: {payload}"
    );
}

#[tokio::test]
async fn unreferenced_uploads_are_cleaned_up() {
    let url = common::fresh_database().await;
    let pool = eventstore::db::connect(&url, 4).await.unwrap();
    eventstore::db::migrate(&pool).await.unwrap();
    let dir = std::env::temp_dir().join(format!("attachments-{}", uuid::Uuid::new_v4()));
    let store = adapters::attachments::Attachments::local(pool.clone(), &dir).unwrap();
    let kept = store
        .put("a", "application/pdf", "%PDF-1 kept".into())
        .await
        .unwrap();
    let dropped = store
        .put("a", "application/pdf", "%PDF-1 dropped".into())
        .await
        .unwrap();
    store.reference(&[kept.id], "a").await.unwrap().unwrap();
    assert_eq!(
        store
            .clean_up(std::time::Duration::from_secs(3600))
            .await
            .unwrap(),
        0,
        "too young"
    );
    assert_eq!(store.clean_up(std::time::Duration::ZERO).await.unwrap(), 1);
    assert!(store.find(dropped.id, "a").await.unwrap().is_none());
    assert!(
        store.bytes(dropped.id).await.is_err(),
        "the bytes are gone too"
    );
    assert_eq!(&store.bytes(kept.id).await.unwrap()[..], b"%PDF-1 kept");
}

/// A local S3-compatible server (moto, installed by ./scripts/test) on a free port.
struct FakeS3 {
    child: std::process::Child,
    url: String,
}

impl Drop for FakeS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn fake_s3() -> FakeS3 {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server runs (./scripts/test installs moto[server] from PyPI)");
    // Owned by the guard from here on, so it is killed and reaped on any exit.
    let server = FakeS3 {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(&server.url).send().await.is_ok() {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("moto_server did not start");
}

#[tokio::test]
async fn attachments_go_to_an_s3_compatible_bucket_when_configured() {
    let s3 = fake_s3().await;
    let created = reqwest::Client::new()
        .put(format!("{}/shikaku-attachments", s3.url))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let url = common::fresh_database().await;
    let pool = eventstore::db::connect(&url, 4).await.unwrap();
    eventstore::db::migrate(&pool).await.unwrap();
    let builder = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name("shikaku-attachments")
        .with_endpoint(&s3.url)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test");
    let store = adapters::attachments::Attachments::s3(pool, builder).unwrap();
    let stored = store
        .put("a", "image/png", "\u{89}PNG in a bucket".into())
        .await
        .unwrap();
    let listed = reqwest::Client::new()
        .get(format!("{}/shikaku-attachments", s3.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains(&format!("attachments/{}", stored.id)),
        "the object is in the bucket: {listed}"
    );
    assert_eq!(
        &store.bytes(stored.id).await.unwrap()[..],
        "\u{89}PNG in a bucket".as_bytes()
    );
    assert_eq!(store.clean_up(std::time::Duration::ZERO).await.unwrap(), 1);
    assert!(
        store.bytes(stored.id).await.is_err(),
        "deleted from the bucket too"
    );
}
