//! Digital certificates end to end: issued on registration, verified by the
//! public API and page, forgeries INVALID (never a 500), revoked by a
//! re-issue and a change of name within 60 s, keys rotated.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::certificates::{certificate, certificate_when, change, registered, verify};
use crate::common::{my_number, spawn_app, spawn_app_with, TestApp};
use certificate::encoding::{b64, unb64};
use certificate::token::sign_certificate;
use certificate::{JwkSet, KeySet, SigningKey, StatusListToken};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn key_set(app: &TestApp) -> (JwkSet, KeySet) {
    let r = app
        .http
        .get(format!("{}/v1/certificate-keys", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/jwk-set+json");
    let jwks: JwkSet = r.json().await.unwrap();
    let keys = KeySet::from_jwks(&jwks).unwrap();
    (jwks, keys)
}

async fn status_list(app: &TestApp) -> StatusListToken {
    let r = app
        .http
        .get(format!("{}/v1/certificate-status-list", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/statuslist+cwt");
    let bytes = r.bytes().await.unwrap();
    StatusListToken::verify(&bytes, &key_set(app).await.1).expect("a genuine status list")
}

#[tokio::test]
async fn a_registered_holder_gets_a_certificate_that_verifies() {
    let app = spawn_app().await;
    let number = my_number("12345678901");
    let reg = registered(&app, "hanako", "12345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    assert_eq!(cert["status"], "VALID");
    assert_eq!(cert["facts"]["family_name"], "山田");
    assert_eq!(cert["facts"]["given_name_kana"], "ハナコ");
    assert_eq!(cert["facts"]["qualification_code"], "CARE_WORKER");
    assert_eq!(cert["facts"]["date_of_birth"], "1990-04-01");
    let token = cert["token"].as_str().unwrap();
    assert_eq!(
        cert["verification_url"],
        format!("{}/verify?c={token}", app.base)
    );

    // The API verifies it with the certified facts and the notice.
    let verdict = verify(&app, token).await;
    assert_eq!(verdict["result"], "VALID", "{verdict}");
    assert_eq!(
        verdict["facts"]["registration_number"],
        cert["facts"]["registration_number"]
    );
    assert_eq!(verdict["kid"], cert["kid"]);
    assert!(verdict["notice"].as_str().unwrap().contains("not prove"));
    // ... and so does the verification URL itself.
    let by_url = verify(&app, cert["verification_url"].as_str().unwrap()).await;
    assert_eq!(by_url["result"], "VALID");

    // The page a QR code opens.
    let page = app
        .http
        .get(cert["verification_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("VALID") && html.contains("有効"), "{html}");
    assert!(html.contains("山田 花子"));
    assert!(html.contains("本人であることを証明するものではありません"));
    assert!(html.contains("does not prove"));

    // The key it names is published; the certificate is signed with it.
    let (jwks, keys) = key_set(&app).await;
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(jwks.keys[0].kid, cert["kid"].as_str().unwrap());
    assert_eq!(jwks.keys[0].kty, "EC");
    assert_eq!(jwks.keys[0].crv, "P-256");
    assert!(keys.contains(cert["kid"].as_str().unwrap()));

    // Only the holder fetches it.
    let examiner = app.token(Role::Examiner, "ex-cert");
    let r = app
        .get(&format!("/v1/registrations/{reg}/certificate"), &examiner)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let stranger = app.token(Role::Applicant, "someone-else");
    let r = app
        .get(&format!("/v1/registrations/{reg}/certificate"), &stranger)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .http
        .get(format!("{}/v1/registrations/{reg}/certificate", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // No My Number anywhere in what a certificate carries or shows.
    let decoded = String::from_utf8_lossy(&unb64(token).unwrap()).into_owned();
    for text in [
        token,
        decoded.as_str(),
        html.as_str(),
        &cert.to_string(),
        &verdict.to_string(),
    ] {
        assert!(!text.contains(&number), "My Number leaked");
    }

    // The certificate came from a `certificate.issue` job; running that job
    // again adds nothing: still one CertificateIssued, the same certificate.
    let job: (i64, String) = sqlx::query_as(
        "SELECT id, state FROM jobs WHERE kind = 'certificate.issue' AND dedupe_key LIKE $1",
    )
    .bind(format!("{reg}:%"))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(job.1, "succeeded");
    workers::queue::retry(&app.pool, job.0).await.unwrap();
    let start = Instant::now();
    loop {
        // retry() resets attempts to 0: succeeded with an attempt = ran again.
        let (state, attempts): (String, i32) =
            sqlx::query_as("SELECT state, attempts FROM jobs WHERE id = $1")
                .bind(job.0)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if state == "succeeded" && attempts > 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "job did not run again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.settle().await;
    let again = certificate(&app, "hanako", &reg).await;
    assert_eq!(again["certificate_id"], cert["certificate_id"]);
    assert_eq!(again["token"], cert["token"]);
    let timeline = app.registration(&reg).await["timeline"].clone();
    let issued = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "CertificateIssued")
        .count();
    assert_eq!(issued, 1, "{timeline}");
}

#[tokio::test]
async fn an_application_not_yet_registered_has_no_certificate() {
    let app = spawn_app().await;
    let id = app.apply("taro", &my_number("22345678901")).await;
    let r = app
        .get(
            &format!("/v1/registrations/{id}/certificate"),
            &app.token(Role::Applicant, "taro"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "CERTIFICATE_NOT_ISSUED");
}

#[tokio::test]
async fn every_forgery_is_invalid_and_never_a_server_error() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "32345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    let token = cert["token"].as_str().unwrap();
    let bytes = unb64(token).unwrap();

    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x04;
    let mut last_bit = bytes.clone();
    *last_bit.last_mut().unwrap() ^= 0x01;
    // A well-formed certificate with the same claims, signed by another key.
    let claims = certificate::token::read_unverified(&bytes).unwrap();
    let (other, _) = SigningKey::generate().unwrap();
    let foreign = sign_certificate(&claims, &other);
    // Altered claims under the genuine signature.
    let mut sign1 = {
        use coset::TaggedCborSerializable;
        coset::CoseSign1::from_tagged_slice(&bytes).unwrap()
    };
    let mut altered = claims.clone();
    altered.facts.family_name = "偽造".into();
    sign1.payload = Some(altered.to_cbor());
    let altered = {
        use coset::TaggedCborSerializable;
        sign1.to_tagged_vec().unwrap()
    };

    let cases = [
        ("flipped bit", b64(&flipped)),
        ("flipped last bit", b64(&last_bit)),
        ("another key", b64(&foreign)),
        ("altered claims", b64(&altered)),
        ("truncated", token[..token.len() - 10].to_owned()),
        ("half", token[..token.len() / 2].to_owned()),
        ("not CBOR", b64(b"{\"family_name\": \"x\"}")),
        ("not base64", "this is not base64 !!".to_owned()),
        ("empty", String::new()),
        ("url without token", format!("{}/verify?c=", app.base)),
        ("long garbage", "A".repeat(20_000)),
    ];
    for (what, forged) in &cases {
        let verdict = verify(&app, forged).await;
        assert_eq!(verdict["result"], "INVALID", "{what}: {verdict}");
        assert!(verdict.get("facts").is_none(), "{what}");
        let page = app
            .http
            .get(format!("{}/verify", app.base))
            .query(&[("c", forged)])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{what}");
        let html = page.text().await.unwrap();
        assert!(html.contains("INVALID"), "{what}");
        assert!(!html.contains("偽造"));
    }
    let reason = verify(&app, &b64(&foreign)).await["reason"].clone();
    assert_eq!(reason, "the token is signed with an unknown key");

    // Bad requests are problems, not verdicts.
    let send = |body: &'static str, content_type: &'static str| {
        app.http
            .post(format!("{}/v1/certificate-verifications", app.base))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (body, content_type, status) in [
        ("{", "application/json", StatusCode::BAD_REQUEST),
        ("{}", "application/json", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "{\"token\": 5}",
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("token=x", "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ] {
        let r = send(body, content_type).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    // The page without a token offers a form.
    let form = app
        .http
        .get(format!("{}/verify", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("<form"));
}

/// Waits until the API says `token` is REVOKED; returns how long it took.
async fn revoked_within_60s(app: &TestApp, token: &str) -> Duration {
    let start = Instant::now();
    loop {
        if verify(app, token).await["result"] == "REVOKED" {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not REVOKED within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_reissue_and_a_change_of_name_revoke_the_old_certificate_within_60_seconds() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "42345678901").await;
    let first = certificate(&app, "hanako", &reg).await;
    let first_token = first["token"].as_str().unwrap().to_owned();
    let first_idx = first["status_index"].as_u64().unwrap();

    change(
        &app,
        "hanako",
        &reg,
        json!({"kind": "REISSUE_CERTIFICATE", "reason": "lost"}),
    )
    .await;
    let started = Instant::now();
    revoked_within_60s(&app, &first_token).await;
    assert!(started.elapsed() < Duration::from_secs(60));
    let list = status_list(&app).await;
    assert_eq!(list.list.is_revoked(first_idx), Some(true));
    assert_eq!(list.ttl, Some(30));
    assert!(list.subject.ends_with("/v1/certificate-status-list"));

    // The re-issued certificate is a new one, and valid.
    let second = certificate_when(&app, "hanako", &reg, |c| {
        c["certificate_id"] != first["certificate_id"]
    })
    .await;
    assert_eq!(second["status"], "VALID");
    let second_token = second["token"].as_str().unwrap().to_owned();
    assert_eq!(verify(&app, &second_token).await["result"], "VALID");
    let second_idx = second["status_index"].as_u64().unwrap();
    assert_ne!(second_idx, first_idx);
    assert_eq!(
        status_list(&app).await.list.is_revoked(second_idx),
        Some(false)
    );
    // A revoked certificate still shows what it certified, marked REVOKED.
    let revoked = verify(&app, &first_token).await;
    assert_eq!(revoked["facts"]["family_name"], "山田");
    let page = app
        .http
        .get(first["verification_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("REVOKED") && page.contains("失効"));

    // A change of name revokes the re-issued one and certifies the new name.
    change(
        &app,
        "hanako",
        &reg,
        json!({"kind": "CHANGE_NAME", "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}}),
    )
    .await;
    revoked_within_60s(&app, &second_token).await;
    let third = certificate_when(&app, "hanako", &reg, |c| {
        c["facts"]["family_name"] == "佐藤"
    })
    .await;
    assert_eq!(third["status"], "VALID");
    assert_eq!(third["facts"]["family_name_kana"], "サトウ");
    assert_eq!(
        verify(&app, third["token"].as_str().unwrap()).await["result"],
        "VALID"
    );

    // The status view can be rebuilt from the events to the same list.
    let before = status_list(&app).await.list;
    sqlx::query("TRUNCATE certificate_status")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE subscription_checkpoints SET last_transaction_id = '0', last_global_position = 0
         WHERE name = 'certificate_status'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app.settle().await;
    assert_eq!(status_list(&app).await.list, before);
}

#[tokio::test]
async fn deleting_a_registration_revokes_its_certificate() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "52345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    change(
        &app,
        "hanako",
        &reg,
        json!({"kind": "DELETE_REGISTRATION", "reason": "HOLDER_REQUEST"}),
    )
    .await;
    revoked_within_60s(&app, cert["token"].as_str().unwrap()).await;
    let again = certificate_when(&app, "hanako", &reg, |c| c["status"] == "REVOKED").await;
    assert_eq!(again["certificate_id"], cert["certificate_id"]);
}

#[tokio::test]
async fn after_rotation_old_certificates_stay_valid_and_new_ones_use_the_new_key() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-cert-{}", uuid::Uuid::new_v4()));
    let dir = data_dir.clone();
    let app = spawn_app_with(move |s| s.data_dir = dir).await;
    let reg = registered(&app, "hanako", "62345678901").await;
    let old = certificate(&app, "hanako", &reg).await;

    // `shikaku certificate-keys rotate` against the same database and data dir.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["certificate-keys", "rotate"])
        .env("DATABASE_URL", &app.database_url)
        .env("SHIKAKU_DATA_DIR", &data_dir)
        .env_remove("SHIKAKU_CERT_SIGNING_KEY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (jwks, _) = key_set(&app).await;
    assert_eq!(jwks.keys.len(), 2);
    let new_kid = jwks.keys[0].kid.clone();
    assert_ne!(new_kid, old["kid"].as_str().unwrap());
    assert!(stdout.contains(&new_kid));

    // A server started after the rotation (in place of the first) signs
    // with the new key ...
    app.handle.stop(true).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dir = data_dir.clone();
    let url = app.database_url.clone();
    let restarted = common::spawn_app_on(&url, move |s| s.data_dir = dir).await;
    let reg2 = registered(&restarted, "jiro", "72345678901").await;
    let fresh = certificate(&restarted, "jiro", &reg2).await;
    assert_eq!(fresh["kid"], new_kid.as_str());
    assert_eq!(
        verify(&restarted, fresh["token"].as_str().unwrap()).await["result"],
        "VALID"
    );
    // ... and what the retired key signed stays VALID.
    assert_eq!(
        verify(&restarted, old["token"].as_str().unwrap()).await["result"],
        "VALID"
    );
    let (jwks, _) = key_set(&restarted).await;
    assert_eq!(jwks.keys.len(), 2, "the retired key stays published");
}
