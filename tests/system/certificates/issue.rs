//! Issue and verification: a holder's certificate verifies, an unregistered
//! application has none, and forgeries are INVALID.

use super::*;
use crate::common::answer;

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
    let compact = certificate::encoding::pack(&unb64(token).unwrap());
    assert_eq!(
        cert["verification_url"],
        format!("{}/verify#c={compact}", app.base)
    );
    // A link printed before the compact form (base64url in `?c=`) still verifies.
    let old_link = format!("{}/verify?c={token}", app.base);
    assert_eq!(verify(&app, &old_link).await["result"], "VALID");
    let old_page = app.text_at(&old_link).await;
    assert!(old_page.contains("有効"), "{old_page}");

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

    // The page server-renders the verdict of a token in the query (the
    // fragment a QR code carries now is verified by the page's script).
    let page = app.http.get(&old_link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("VALID") && html.contains("有効"), "{html}");
    assert!(html.contains("山田 花子"));
    // The qualification by its name, dates in the Japanese calendar.
    assert!(!html.contains("CARE_WORKER"), "{html}");
    assert!(html.contains("平成2年（1990年）4月1日"), "{html}");
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
        .get_anonymous(&format!("/v1/registrations/{reg}/certificate"))
        .await;
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
    workers::jobs::retry(&app.pool, job.0).await.unwrap();
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
        .get_as(
            Role::Applicant,
            "taro",
            &format!("/v1/registrations/{id}/certificate"),
        )
        .await;
    let body = answer(r, StatusCode::CONFLICT).await;
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
        // The reason is words a person can act on, not the parser's message.
        let technical = verdict["reason"].as_str().unwrap();
        assert!(!html.contains(technical), "{what}: {html}");
        if !forged.trim().is_empty() {
            assert!(
                html.contains("理由: ") && html.contains("Reason: "),
                "{what}"
            );
        }
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
    let form = app.public_text("/verify").await;
    assert!(form.contains("<form"));
}
