//! Uploads: accepted by content, limited in size (the file and the whole
//! body), private to their uploader; staff read them only through a case they
//! may act on that references them, and every such read is audited. Pinned by
//! digest in the events, cleaned up when unused.

use crate::common;

use crate::common::{answer, my_number, problem, raw_exchange, spawn_app, TestApp};
use domain::Role;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
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

/// The attachment records of the audit log, oldest first.
async fn attachment_reads(app: &TestApp) -> Vec<(String, String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT actor, role, case_id::text, attachment_id::text, purpose FROM audit_log
         WHERE action = 'READ_ATTACHMENT' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn examiners_read_an_attachment_only_through_a_case_they_act_on() {
    let app = spawn_app().await;
    let (id, document) = app
        .answered_with_document("owner", &my_number("31313131313"), "ex")
        .await;
    let orphan = app.upload_pdf("owner").await;
    let through =
        |case: &str, attachment: &str| format!("/v1/registrations/{case}/attachments/{attachment}");
    let read = |role: Role, sub: &str, path: String, purpose: Option<&str>| {
        let mut request = app
            .http
            .get(format!("{}{path}", app.base))
            .bearer_auth(app.token(role, sub));
        if let Some(purpose) = purpose {
            request = request.header("x-purpose", purpose);
        }
        async move { request.send().await.unwrap() }
    };

    // The assigned examiner reads it through the case, with a purpose.
    let r = read(
        Role::Examiner,
        "ex",
        through(&id, &document),
        Some("checking the pass certificate"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    let reads = attachment_reads(&app).await;
    assert_eq!(
        reads,
        vec![(
            "ex".to_owned(),
            "examiner".to_owned(),
            id.clone(),
            document.clone(),
            Some("checking the pass certificate".to_owned())
        )],
        "one record with the case and the purpose"
    );

    // A senior examiner may act on any open case; without X-Purpose the
    // record says what the route is for.
    let r = read(Role::SeniorExaminer, "sr", through(&id, &document), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let reads = attachment_reads(&app).await;
    assert_eq!(reads.len(), 2);
    assert_eq!(reads[1].0, "sr");
    assert_eq!(reads[1].4.as_deref(), Some("examination of the case"));

    // Refused, and nothing recorded: an examiner not on the case, ...
    let r = read(Role::Examiner, "ex-2", through(&id, &document), None).await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "NOT_ASSIGNED_EXAMINER"
    );
    // ... an attachment the case does not reference, ...
    let r = read(Role::Examiner, "ex", through(&id, &orphan), None).await;
    problem(r, StatusCode::NOT_FOUND).await;
    // ... the same case under another kind's path, ...
    let r = read(
        Role::Examiner,
        "ex",
        format!("/v1/change-requests/{id}/attachments/{document}"),
        None,
    )
    .await;
    problem(r, StatusCode::NOT_FOUND).await;
    // ... the old route for staff, even for an upload no case references, ...
    for attachment in [&document, &orphan] {
        let r = read(
            Role::Examiner,
            "ex",
            format!("/v1/attachments/{attachment}"),
            None,
        )
        .await;
        assert_eq!(
            problem(r, StatusCode::FORBIDDEN).await["code"],
            "READ_THROUGH_CASE"
        );
    }
    // ... a ministry and an administrator, ...
    for role in [Role::Ministry, Role::Admin] {
        let r = read(role, "x", through(&id, &document), None).await;
        problem(r, StatusCode::FORBIDDEN).await;
    }
    // ... and an applicant whose case it is not.
    let r = read(
        Role::Applicant,
        "someone-else",
        through(&id, &document),
        None,
    )
    .await;
    problem(r, StatusCode::NOT_FOUND).await;
    assert_eq!(
        attachment_reads(&app).await.len(),
        2,
        "refusals record nothing"
    );

    // The holder reads their own documents through either route, unrecorded.
    let r = read(Role::Applicant, "owner", through(&id, &document), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = read(
        Role::Applicant,
        "owner",
        format!("/v1/attachments/{document}"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(attachment_reads(&app).await.len(), 2);

    // Once the case is decided, its examiner may still read it; a senior
    // examiner who is not on it may not.
    app.approve(&format!("/v1/registrations/{id}"), "ex", "sr")
        .await;
    let r = read(Role::Examiner, "ex", through(&id, &document), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = read(Role::SeniorExaminer, "sr-2", through(&id, &document), None).await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "NOT_ASSIGNED_EXAMINER"
    );
}

/// One multipart part with `name` and `bytes` (boundary `B`).
fn part(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut p = format!(
        "--B\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.pdf\"\r\n\r\n"
    )
    .into_bytes();
    p.extend_from_slice(bytes);
    p.extend_from_slice(b"\r\n");
    p
}

/// The head of an upload with `framing` (a Content-Length or chunked).
fn upload_head(app: &TestApp, token: &str, framing: &str) -> String {
    format!(
        "POST /v1/attachments HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=B\r\n{framing}\r\n\r\n",
        app.base.trim_start_matches("http://")
    )
}

/// A piece of a chunked body.
fn chunk(bytes: &[u8]) -> Vec<u8> {
    let mut c = format!("{:x}\r\n", bytes.len()).into_bytes();
    c.extend_from_slice(bytes);
    c.extend_from_slice(b"\r\n");
    c
}

#[tokio::test]
async fn the_upload_body_is_limited_as_a_whole() {
    let app = spawn_app().await;
    let token = app.token(Role::Applicant, "a");
    // 30 MB of junk fields beside a small document: the declared length is
    // refused before any of it is read.
    let document = part("file", b"%PDF-1.4\n");
    let junk = part("junk", &vec![b'x'; 6 * 1024 * 1024]);
    let mut body = vec![document.clone()];
    body.extend(std::iter::repeat_n(junk.clone(), 5));
    body.push(b"--B--\r\n".to_vec());
    let length: usize = body.iter().map(Vec::len).sum();
    let head = upload_head(&app, &token, &format!("Content-Length: {length}"));
    let (status, text) = raw_exchange(&app, head.clone(), vec![], false).await;
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("application/problem+json") && text.contains("PAYLOAD_TOO_LARGE"),
        "{text}"
    );

    // Without a declared length (chunked) it is counted as it arrives, and
    // refused without waiting for the rest.
    let head = upload_head(&app, &token, "Transfer-Encoding: chunked");
    let mut pieces = vec![chunk(&document)];
    pieces.extend((0..8).map(|_| chunk(&junk)));
    let (status, text) = raw_exchange(&app, head, pieces, false).await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("PAYLOAD_TOO_LARGE"), "{text}");

    // Many small fields are refused too.
    let mut form = Form::new().part(
        "file",
        Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf"),
    );
    for i in 0..100 {
        form = form.text(format!("f{i}"), "x");
    }
    let r = app
        .http
        .post(format!("{}/v1/attachments", app.base))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(p["code"], "PAYLOAD_TOO_LARGE");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing refused was stored");
    // A document with a few ordinary fields beside it still goes through.
    let form = Form::new().text("note", "scan of page 1").part(
        "file",
        Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf"),
    );
    let r = app
        .http
        .post(format!("{}/v1/attachments", app.base))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}
