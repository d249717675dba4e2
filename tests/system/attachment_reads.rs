//! Reading documents: staff only through a case they may act on, each read
//! audited; and the upload body limited as a whole before it is buffered.

use crate::common::{my_number, problem, raw_exchange, spawn_app, TestApp};
use domain::Role;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

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
