//! Status lists with states: random positions never reused, a new list at
//! 80 % full, the CWT and JWT forms at one URI, caching, and SUSPENDED told
//! apart from REVOKED by the API, the page, the holder's view and the list.

use super::*;
use adapters::certificate::status::{list_by_path, LIST_SIZE};
use adapters::certificate::{allocate_status_entry, set_status};
use certificate::Status;
use uuid::Uuid;

async fn allocate(app: &TestApp, owner: Uuid) -> adapters::certificate::StatusRef {
    let mut conn = app.pool.acquire().await.unwrap();
    allocate_status_entry(&mut conn, &app.base, owner, Uuid::nil())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_thousand_positions_are_spread_over_the_list_and_never_reused() {
    let app = spawn_app().await;
    let mut positions = Vec::new();
    for _ in 0..1000 {
        let owner = Uuid::new_v4();
        let entry = allocate(&app, owner).await;
        assert_eq!(
            entry.uri,
            format!("{}/v1/certificate-status-list", app.base)
        );
        // Asking again for the same owner gives the same entry.
        assert_eq!(allocate(&app, owner).await, entry);
        positions.push(entry.idx);
    }
    let distinct: std::collections::HashSet<_> = positions.iter().collect();
    assert_eq!(distinct.len(), 1000, "a position was handed out twice");
    // Issue order says nothing: no three issues in a row at consecutive
    // positions (chance ~1e-7 at random, certain with max + 1), and few pairs.
    let steps: Vec<bool> = positions.windows(2).map(|w| w[1] == w[0] + 1).collect();
    assert!(
        !steps.windows(2).any(|w| w[0] && w[1]),
        "a run of consecutive positions"
    );
    assert!(steps.iter().filter(|s| **s).count() < 10, "{positions:?}");
    // Spread: each eighth of the list holds about 125 of them (±4.5 sd).
    let size = LIST_SIZE as u64;
    assert!(positions.iter().all(|p| *p < size));
    for eighth in 0..8 {
        let n = positions
            .iter()
            .filter(|p| **p * 8 / size == eighth)
            .count();
        assert!((78..=172).contains(&n), "eighth {eighth} holds {n}");
    }
    let taken: i64 = sqlx::query_scalar("SELECT count(*) FROM status_list_entries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(taken, 1000);
}

#[tokio::test]
async fn a_new_list_opens_at_80_percent_and_is_served_at_its_own_uri() {
    let app = spawn_app().await;
    // Fill the first list to 80 % (what 104,858 issues would leave).
    let full = LIST_SIZE * 8 / 10 + 1;
    sqlx::query(
        "INSERT INTO status_list_entries (list_id, idx, owner_id)
         SELECT 1, i, gen_random_uuid() FROM generate_series(0, $1 - 1) i",
    )
    .bind(full)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE status_lists SET allocated = $1 WHERE id = 1")
        .bind(full)
        .execute(&app.pool)
        .await
        .unwrap();
    let owner = Uuid::new_v4();
    let entry = allocate(&app, owner).await;
    assert_eq!(entry.list_id, 2);
    assert_eq!(entry.uri, format!("{}/v1/status-lists/2", app.base));
    let second = allocate(&app, Uuid::new_v4()).await;
    assert_eq!(second.list_id, 2, "the new list takes the next ones");

    let mut conn = app.pool.acquire().await.unwrap();
    assert!(set_status(&mut conn, owner, Status::Suspended)
        .await
        .unwrap());
    let r = app.get_anonymous("/v1/status-lists/2").await;
    assert_eq!(r.status(), StatusCode::OK);
    let list = StatusListToken::verify(&r.bytes().await.unwrap(), &key_set(&app).await.1)
        .expect("a genuine list");
    assert_eq!(list.subject, entry.uri);
    assert_eq!(list.list.len(), LIST_SIZE as u64);
    assert_eq!(list.list.status(entry.idx), Some(Status::Suspended));
    assert_eq!(list.list.status(second.idx), Some(Status::Valid));
    for missing in [
        "/v1/status-lists/3",
        "/v1/status-lists/1",
        "/v1/status-lists/x",
    ] {
        let r = app.get_anonymous(missing).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "NOT_FOUND");
    }
    // The first list is not served twice (its URI stays the older one).
    assert!(list_by_path(&app.pool, "/v1/certificate-status-list")
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn the_list_is_a_jwt_by_content_negotiation_verified_with_the_published_jwks() {
    let app = spawn_app().await;
    let owner = Uuid::new_v4();
    let entry = allocate(&app, owner).await;
    let mut conn = app.pool.acquire().await.unwrap();
    set_status(&mut conn, owner, Status::Invalid).await.unwrap();
    let path = "/v1/certificate-status-list";
    let get = |accept: &'static str| {
        app.http
            .get(format!("{}{path}", app.base))
            .header("accept", accept)
            .send()
    };
    let r = get("application/statuslist+jwt").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/statuslist+jwt");
    assert_eq!(r.headers()["cache-control"], "public, max-age=30");
    assert_eq!(r.headers()["vary"], "Accept");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let jwt = r.text().await.unwrap();

    // An independent JOSE library, with the key as published.
    let (jwks, keys) = key_set(&app).await;
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(header.typ.as_deref(), Some("statuslist+jwt"));
    let kid = header.kid.expect("a kid");
    let jwk = jwks.keys.iter().find(|k| k.kid == kid).expect("published");
    let key = jsonwebtoken::DecodingKey::from_ec_components(&jwk.x, &jwk.y).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation)
        .expect("the JWT verifies with the published JWKS")
        .claims;
    assert_eq!(claims["sub"], format!("{}{path}", app.base));
    assert_eq!(claims["ttl"], 30);
    assert_eq!(claims["status_list"]["bits"], 2);
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    let ours = StatusListToken::verify_jwt(&jwt, &keys).unwrap();
    assert_eq!(ours.list.status(entry.idx), Some(Status::Invalid));

    // A tampered JWT does not verify.
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] = b64(br#"{"sub":"x","iat":1,"status_list":{"bits":2,"lst":"eJwDAAAAAAE"}}"#);
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(&parts.join("."), &key, &validation).is_err()
    );

    // The same URI gives the CWT by default, by preference and for */*.
    for accept in [
        "*/*",
        "application/statuslist+cwt",
        "application/statuslist+jwt;q=0.5, application/statuslist+cwt",
    ] {
        let r = get(accept).await.unwrap();
        assert_eq!(
            r.headers()["content-type"],
            "application/statuslist+cwt",
            "{accept}"
        );
        let cwt = StatusListToken::verify(&r.bytes().await.unwrap(), &keys).unwrap();
        assert_eq!(cwt.list.status(entry.idx), Some(Status::Invalid));
        assert_eq!(cwt.ttl, Some(30));
        assert!(cwt.expires_at.unwrap() > cwt.issued_at);
    }

    // A client holding the current list is told so without the body.
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .header("accept", "application/statuslist+jwt")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()["etag"], etag.as_str());
    // A change of an entry changes the list and its ETag.
    let other = Uuid::new_v4();
    allocate(&app, other).await;
    set_status(&mut conn, other, Status::Suspended)
        .await
        .unwrap();
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .header("accept", "application/statuslist+jwt")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(r.headers()["etag"], etag.as_str());
}

#[tokio::test]
async fn a_suspended_certificate_is_suspended_not_revoked_and_revoked_is_for_good() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "82345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    let token = cert["token"].as_str().unwrap().to_owned();
    let id: Uuid = cert["certificate_id"].as_str().unwrap().parse().unwrap();
    let idx = cert["status_index"].as_u64().unwrap();
    assert_eq!(
        cert["status_list_uri"],
        format!("{}/v1/certificate-status-list", app.base)
    );
    let mut conn = app.pool.acquire().await.unwrap();

    assert!(set_status(&mut conn, id, Status::Suspended).await.unwrap());
    let verdict = verify(&app, &token).await;
    assert_eq!(verdict["result"], "SUSPENDED");
    assert_eq!(verdict["facts"]["family_name"], "山田");
    let page = app
        .text_at(&format!(
            "{}/verify?c={}",
            app.base,
            cert["token"].as_str().unwrap()
        ))
        .await;
    assert!(
        page.contains("SUSPENDED") && page.contains("停止中"),
        "{page}"
    );
    assert!(!page.contains("失効"), "not told as revoked");
    let holder = certificate_when(&app, "hanako", &reg, |_| true).await;
    assert_eq!(holder["status"], "SUSPENDED");
    assert_eq!(
        status_list(&app).await.list.status(idx),
        Some(Status::Suspended)
    );

    // Lifted: VALID again.
    assert!(set_status(&mut conn, id, Status::Valid).await.unwrap());
    assert_eq!(verify(&app, &token).await["result"], "VALID");

    // Revoked by a re-issue: REVOKED, and no suspension or lifting undoes it.
    reissue(&app, "hanako", &reg).await;
    revoked_within_60s(&app, &token).await;
    assert!(!set_status(&mut conn, id, Status::Valid).await.unwrap());
    assert!(!set_status(&mut conn, id, Status::Suspended).await.unwrap());
    assert_eq!(verify(&app, &token).await["result"], "REVOKED");
    assert_eq!(
        status_list(&app).await.list.status(idx),
        Some(Status::Invalid)
    );
}
