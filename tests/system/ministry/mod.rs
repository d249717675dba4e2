//! Ministry integration: client credentials end to end (the CLI, the token
//! endpoint, the published key), scopes, the ministry's view of cases of its
//! own qualifications, a 404 for everything else, and the rate limit; the
//! token endpoint under attack (`token_endpoint`) and the signing key and
//! claims (`signing_key`).

mod signing_key;
mod token_endpoint;

use crate::common;

use crate::common::ministry::{
    cli, cli_command, client_token, create_client, registered_with_change, token_response,
};
use crate::common::{my_number, problem, spawn_app, spawn_app_with};
use domain::Role;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn oauth_error(r: reqwest::Response, status: StatusCode, error: &str) {
    assert_eq!(r.status(), status, "{error}");
    assert_eq!(r.headers()["cache-control"], "no-store");
    if status == StatusCode::UNAUTHORIZED {
        assert!(r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic"));
    }
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], error);
}

#[tokio::test]
async fn client_credentials_end_to_end() {
    let app = spawn_app().await;
    let (id, secret) = create_client(&app, "MHLW", &[]);
    assert!(cli(&app, &["list"]).contains(&id));

    let r = token_response(&app, &id, &secret, &[("grant_type", "client_credentials")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(
        body["scope"],
        "registrations:read events:read webhooks:write"
    );
    let token = body["access_token"].as_str().unwrap();

    // RFC 9068: typ at+jwt, ES256, verifiable with the published key.
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, Algorithm::ES256);
    let jwks: JwkSet = app.public_json("/.well-known/jwks.json").await;
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid published");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[&app.base]);
    validation.set_issuer(&[&app.base]);
    let claims =
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["client_id"], id.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert_eq!(claims["ministry"], "MHLW");
    let r = app.get("/v1/registrations", token).await;
    assert_eq!(r.status(), StatusCode::OK);

    // A narrower scope on request.
    let r = token_response(
        &app,
        &id,
        &secret,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "events:read"),
        ],
    )
    .await;
    let narrow: Value = r.json().await.unwrap();
    assert_eq!(narrow["scope"], "events:read");
    let narrow = narrow["access_token"].as_str().unwrap();
    let p = problem(
        app.get("/v1/registrations", narrow).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "INSUFFICIENT_SCOPE");

    // Refusals of the token endpoint, RFC 6749 style.
    let form = [("grant_type", "client_credentials")];
    oauth_error(
        token_response(&app, &id, "wrong-secret", &form).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    oauth_error(
        token_response(&app, "mc_unknown", &secret, &form).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    let anonymous = app
        .http
        .post(format!("{}/oauth/token", app.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    oauth_error(anonymous, StatusCode::UNAUTHORIZED, "invalid_client").await;
    oauth_error(
        token_response(&app, &id, &secret, &[("grant_type", "password")]).await,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
    )
    .await;
    oauth_error(
        token_response(&app, &id, &secret, &[("scope", "events:read")]).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    let as_json = app
        .http
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(&id, Some(&secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    oauth_error(as_json, StatusCode::BAD_REQUEST, "invalid_request").await;

    // A client created with one scope cannot ask for another, nor use it.
    let (mext, mext_secret) = create_client(&app, "MEXT", &["events:read"]);
    oauth_error(
        token_response(
            &app,
            &mext,
            &mext_secret,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "registrations:read"),
            ],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_scope",
    )
    .await;
    let mext_token = client_token(&app, &mext, &mext_secret).await;
    for path in [
        "/v1/registrations",
        "/v1/change-requests",
        "/v1/registrations/7d0b2c56-0000-4000-8000-000000000000",
        "/v1/change-requests/7d0b2c56-0000-4000-8000-000000000000",
    ] {
        let p = problem(app.get(path, &mext_token).await, StatusCode::FORBIDDEN).await;
        assert_eq!(p["code"], "INSUFFICIENT_SCOPE", "{path}");
    }

    // Revoked: the secret and the tokens stop working at once.
    assert!(cli(&app, &["revoke", &id]).contains("revoked"));
    let p = problem(
        app.get("/v1/registrations", token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(p["code"], "UNAUTHENTICATED");
    oauth_error(
        token_response(&app, &id, &secret, &form).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    // Unknown ministries and scopes are refused by the CLI.
    let out = cli_command(&app, &["create", "--ministry", "XYZ", "--name", "n"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown ministry XYZ"));
}

#[tokio::test]
async fn a_ministry_sees_only_its_qualifications_and_only_the_register_entry() {
    let app = spawn_app().await;
    let (reg, cr) = registered_with_change(&app).await;
    let (mhlw, mhlw_secret) = create_client(&app, "MHLW", &[]);
    let (cfa, cfa_secret) = create_client(&app, "CFA", &[]);
    let mhlw = client_token(&app, &mhlw, &mhlw_secret).await;
    let cfa = client_token(&app, &cfa, &cfa_secret).await;
    let number = app.registration(&reg).await["registration_number"]
        .as_str()
        .unwrap()
        .to_owned();

    // The supervising ministry: the case, the register's entry, nothing more.
    let r = app.get(&format!("/v1/registrations/{reg}"), &mhlw).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let seen: Value = serde_json::from_str(&text).unwrap();
    assert!(seen["applicant"].is_null());
    assert_eq!(seen["register_entry"]["family_name"], "山田");
    assert_eq!(seen["register_entry"]["date_of_birth"], "1990-04-01");
    for secret in [
        "霞が関",
        "hanako@example.jp",
        "P12345678",
        "my_number",
        "30000000001",
    ] {
        assert!(!text.contains(secret), "{secret} shown to a ministry");
    }
    let list: Value = app
        .get_json(
            &format!("/v1/registrations?registration_number={number}"),
            &mhlw,
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let r = app.get(&format!("/v1/change-requests/{cr}"), &mhlw).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let change: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(change["kind"], "CHANGE_NAME");
    assert!(change["changes"]["family_name"].is_null());
    assert!(change["note"].is_null());
    assert_eq!(change["attachments"], json!([]));
    assert!(!text.contains("佐藤"), "the requested name is not shown");
    let list: Value = app.get_json("/v1/change-requests", &mhlw).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Another ministry: every look-up is 404, every list empty.
    let dev_cfa = app.token(Role::Ministry, "CFA");
    for token in [&cfa, &dev_cfa] {
        for path in [
            format!("/v1/registrations/{reg}"),
            format!("/v1/change-requests/{cr}"),
            format!("/v1/registrations/{reg}/certificate"),
        ] {
            let p = problem(app.get(&path, token).await, StatusCode::NOT_FOUND).await;
            assert_eq!(p["code"], "NOT_FOUND", "{path}");
        }
        for path in [
            "/v1/registrations".to_owned(),
            format!("/v1/registrations?registration_number={number}"),
            "/v1/registrations?qualification_code=CARE_WORKER".to_owned(),
            "/v1/change-requests".to_owned(),
            format!("/v1/change-requests?registration_id={reg}"),
        ] {
            let r = app.get(&path, token).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["items"], json!([]), "{path}");
        }
    }
    // What a ministry may never do, whatever the qualification.
    for token in [&mhlw, &cfa] {
        for path in [
            "/v1/queue",
            "/v1/notifications",
            "/v1/admin/audit",
            "/v1/admin/jobs",
        ] {
            let p = problem(app.get(path, token).await, StatusCode::FORBIDDEN).await;
            assert_eq!(p["code"], "WRONG_ROLE", "{path}");
        }
        let r = app
            .post(
                &format!("/v1/registrations/{reg}/assignment"),
                token,
                &json!({}),
            )
            .await;
        problem(r, StatusCode::FORBIDDEN).await;
        let r = app
            .post(
                "/v1/registrations",
                token,
                &common::application(&my_number("30000000002")),
            )
            .await;
        problem(r, StatusCode::FORBIDDEN).await;
    }
    // Its own qualification's certificate is the holder's alone.
    let p = problem(
        app.get(&format!("/v1/registrations/{reg}/certificate"), &mhlw)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "WRONG_ROLE");
}

#[tokio::test]
async fn each_client_is_limited_to_its_rate() {
    let app = spawn_app_with(|s| {
        s.ministry_rate_per_second = 0.5;
        s.ministry_rate_burst = 4.0;
    })
    .await;
    let (a, a_secret) = create_client(&app, "MHLW", &[]);
    let (b, b_secret) = create_client(&app, "MHLW", &[]);
    // The token request is the first of the burst.
    let token = client_token(&app, &a, &a_secret).await;
    let mut left = Vec::new();
    for _ in 0..3 {
        let r = app.get("/v1/registrations", &token).await;
        assert_eq!(r.status(), StatusCode::OK);
        // The IETF RateLimit headers: 4 requests per 8 s (the bucket's
        // refill time), and what is left of them.
        assert_eq!(r.headers()["ratelimit-policy"], "\"client\";q=4;w=8");
        left.push(rate_left(&r));
    }
    assert!(left[0] <= 3 && left[2] <= left[0], "{left:?}");
    let r = app.get("/v1/registrations", &token).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(rate_left(&r), 0);
    assert_eq!(r.headers()["ratelimit-policy"], "\"client\";q=4;w=8");
    // Callers no client rate holds get no RateLimit headers.
    let staff = app.get_as(Role::Examiner, "ex", "/v1/registrations").await;
    assert!(!staff.headers().contains_key("ratelimit"));
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    let p = problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(p["code"], "RATE_LIMITED");
    // Other clients and other callers are not held back.
    let other = client_token(&app, &b, &b_secret).await;
    assert_eq!(
        app.get("/v1/registrations", &other).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_as(Role::Examiner, "ex", "/v1/registrations")
            .await
            .status(),
        StatusCode::OK
    );
    // After Retry-After the client may call again.
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(
        app.get("/v1/registrations", &token).await.status(),
        StatusCode::OK
    );
}

/// The `r` (requests left) of a `RateLimit: "client";r=N;t=S` header.
fn rate_left(r: &reqwest::Response) -> u64 {
    let header = r.headers()["ratelimit"].to_str().unwrap().to_owned();
    let fields: Vec<&str> = header.split(';').collect();
    assert_eq!(fields[0], "\"client\"", "{header}");
    assert!(fields[2].starts_with("t="), "{header}");
    fields[1].strip_prefix("r=").unwrap().parse().unwrap()
}
