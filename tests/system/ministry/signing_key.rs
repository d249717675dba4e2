//! Keys and claims: the token signing key is sealed in the database, a key
//! once stored in plaintext is retired, and a ministry token acts only as its
//! client's row says (ministry, scopes, revocation), whatever it claims, even
//! when it was forged with the stolen key. And the development-token secret
//! has a minimum length.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::ministry::{client_token, create_client, registered_with_change};
use crate::common::{problem, spawn_app, spawn_app_on, TestApp, VAULT_KEY};

/// An access token signed with `pem` (a PKCS#8 P-256 key) under `kid`.
fn forge(pem: &str, kid: &str, claims: &Value) -> String {
    let der = STANDARD
        .decode(
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&der)).unwrap()
}

/// The claims the server itself would put in a token of `client`, except
/// for the ministry and scopes the forger chooses.
fn claims(app: &TestApp, client: &str, ministry: &str, scope: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": app.base, "aud": app.base, "sub": client, "client_id": client,
        "iat": now, "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string(),
        "scope": scope, "ministry": ministry,
    })
}

/// Every signing-key row as JSON text, every column.
async fn key_rows(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT row_to_json(k)::text FROM oauth_signing_keys k")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn assert_no_plaintext(rows: &[String]) {
    for row in rows {
        for plain in ["PRIVATE KEY", "BEGIN", "\"d\""] {
            assert!(!row.contains(plain), "{plain} in {row}");
        }
    }
}

#[tokio::test]
async fn a_ministry_token_acts_as_the_clients_row_says() {
    let app = spawn_app().await;
    let (reg, _) = registered_with_change(&app).await;
    let (id, secret) = create_client(&app, "MHLW", &[]);
    let token = client_token(&app, &id, &secret).await;
    let path = format!("/v1/registrations/{reg}");
    assert_eq!(app.get(&path, &token).await.status(), StatusCode::OK);

    // The client's ministry changes: the same token follows the row at once.
    sqlx::query("UPDATE ministry_clients SET ministry_code = 'CFA' WHERE id = $1")
        .bind(&id)
        .execute(&app.pool)
        .await
        .unwrap();
    let p = problem(app.get(&path, &token).await, StatusCode::NOT_FOUND).await;
    assert_eq!(p["code"], "NOT_FOUND");

    // Its scopes shrink: the token's wider scope no longer counts.
    sqlx::query(
        "UPDATE ministry_clients SET ministry_code = 'MHLW', scopes = '{events:read}' WHERE id = $1",
    )
    .bind(&id)
    .execute(&app.pool)
    .await
    .unwrap();
    let p = problem(app.get(&path, &token).await, StatusCode::FORBIDDEN).await;
    assert_eq!(p["code"], "INSUFFICIENT_SCOPE");
    assert_eq!(app.get("/v1/events", &token).await.status(), StatusCode::OK);

    // Revoked: refused at once.
    sqlx::query("UPDATE ministry_clients SET revoked_at = now() WHERE id = $1")
        .bind(&id)
        .execute(&app.pool)
        .await
        .unwrap();
    let p = problem(
        app.get("/v1/events", &token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(p["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_signing_key_is_sealed_and_a_plaintext_one_is_retired() {
    let app = spawn_app().await;
    let (id, secret) = create_client(&app, "MHLW", &[]);
    assert_no_plaintext(&key_rows(&app).await);

    // A key as earlier versions stored it: plaintext PEM, the newest row. It
    // is in every backup since, so whoever holds one can sign with it.
    let (old, old_pem) = certificate::SigningKey::generate().unwrap();
    sqlx::query(
        "INSERT INTO oauth_signing_keys (kid, private_pem, created_at)
         VALUES ($1, $2, now() + interval '1 minute')",
    )
    .bind(old.kid())
    .bind(&old_pem)
    .execute(&app.pool)
    .await
    .unwrap();
    app.handle.stop(true).await;

    let app = spawn_app_on(&app.database_url, |_| {}).await;
    let rows = key_rows(&app).await;
    assert_no_plaintext(&rows);
    let (erased, retired): (bool, bool) = sqlx::query_as(
        "SELECT private_pem IS NULL, retired_at IS NOT NULL FROM oauth_signing_keys WHERE kid = $1",
    )
    .bind(old.kid())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(erased && retired);
    let jwks: Value = app.public_json("/.well-known/jwks.json").await;
    assert!(!jwks.to_string().contains(old.kid()), "{jwks}");
    // The copy in the backup signs nothing any more.
    let forged = forge(
        &old_pem,
        old.kid(),
        &claims(&app, &id, "MHLW", "registrations:read"),
    );
    let p = problem(
        app.get("/v1/registrations", &forged).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(p["code"], "UNAUTHENTICATED");
    // The client takes a new token and goes on.
    let token = client_token(&app, &id, &secret).await;
    assert_eq!(
        app.get("/v1/registrations", &token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_token_forged_with_the_stolen_key_acts_only_as_its_client() {
    let app = spawn_app().await;
    let (reg, _) = registered_with_change(&app).await;
    let (cfa, _) = create_client(&app, "CFA", &["registrations:read"]);
    let (revoked, _) = create_client(&app, "MHLW", &[]);
    crate::common::ministry::cli(&app, &["revoke", &revoked]);

    // Someone holds a backup and the vault key: the key opens.
    let (kid, nonce, sealed): (String, Vec<u8>, Vec<u8>) = sqlx::query_as(
        "SELECT kid, nonce, sealed_key FROM oauth_signing_keys WHERE retired_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let vault: [u8; 32] = hex::decode(VAULT_KEY).unwrap().try_into().unwrap();
    let pem = api::oauth::signing_key::open(&vault, &kid, &nonce, &sealed).unwrap();

    // A CFA client's token claiming MHLW and every scope acts for CFA with
    // the one scope its row holds.
    let all = "registrations:read events:read webhooks:write";
    let forged = forge(&pem, &kid, &claims(&app, &cfa, "MHLW", all));
    let path = format!("/v1/registrations/{reg}");
    let p = problem(app.get(&path, &forged).await, StatusCode::NOT_FOUND).await;
    assert_eq!(p["code"], "NOT_FOUND");
    let p = problem(app.get("/v1/events", &forged).await, StatusCode::FORBIDDEN).await;
    assert_eq!(p["code"], "INSUFFICIENT_SCOPE");

    // A client that does not exist, one revoked, a subject that is not the client.
    let mut impostor = claims(&app, &cfa, "MHLW", all);
    impostor["sub"] = json!("mc_someone_else");
    for claims in [
        claims(&app, "mc_made_up", "MHLW", all),
        claims(&app, &revoked, "MHLW", all),
        impostor,
    ] {
        let forged = forge(&pem, &kid, &claims);
        let p = problem(app.get(&path, &forged).await, StatusCode::UNAUTHORIZED).await;
        assert_eq!(p["code"], "UNAUTHENTICATED", "{claims}");
    }
}

#[test]
fn a_short_token_secret_is_refused_at_start_up() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-short-{}", uuid::Uuid::new_v4()));
    let run = |secret: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .args(["token", "--role", "admin", "--sub", "x"])
            .env("SHIKAKU_JWT_SECRET", secret)
            .env("SHIKAKU_DATA_DIR", &data_dir)
            .env_remove("SHIKAKU_ENV")
            .output()
            .unwrap()
    };
    let out = run("thirty-one-bytes-is-not-enough!");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no token minted");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SHIKAKU_JWT_SECRET") && err.contains("at least 32 bytes"),
        "{err}"
    );
    assert!(
        !err.contains("not-enough"),
        "the secret is not printed: {err}"
    );
    let out = run("thirty-two-bytes-is-just-enough!");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
