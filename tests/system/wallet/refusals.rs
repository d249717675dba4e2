//! Every refusal of the issuance: offers for the holder only, expired
//! offers, reused codes, wrong transaction codes (locked after 5), proofs
//! with the wrong nonce or audience, tokens used up.

use super::*;
use crate::common::{problem, spawn_app};
use certificate::{sd_jwt, JwkSet, KeySet};

async fn oauth_error(r: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert!(body["error_description"].is_string(), "{body}");
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn only_the_holder_gets_an_offer_of_their_registration() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "72345678901").await;
    let path = format!("/v1/registrations/{reg}/credential-offers");
    let other = app
        .post_as(Role::Applicant, "taro", &path, &json!({}))
        .await;
    assert_eq!(
        problem(other, StatusCode::NOT_FOUND).await["code"],
        "NOT_FOUND"
    );
    let examiner = app.post_as(Role::Examiner, "ex-1", &path, &json!({})).await;
    assert_eq!(
        problem(examiner, StatusCode::FORBIDDEN).await["code"],
        "WRONG_ROLE"
    );
    let anonymous = app
        .http
        .post(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let list = format!("/v1/registrations/{reg}/wallet-credentials");
    let r = app.get_as(Role::Applicant, "taro", &list).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app.get_as(Role::Examiner, "ex-1", &list).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nobody else was told a code.
    let codes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE kind = 'credential_offer_code'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(codes, 0);
    // An application not yet on the register has nothing to offer.
    let applied = app.apply("jiro", &common::my_number("82345678901")).await;
    let r = app
        .post_as(
            Role::Applicant,
            "jiro",
            &format!("/v1/registrations/{applied}/credential-offers"),
            &json!({}),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "CERTIFICATE_NOT_ISSUED"
    );
}

#[tokio::test]
async fn codes_are_single_use_expire_and_lock_after_five_wrong_transaction_codes() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "92345678901").await;

    // Five wrong transaction codes lock the offer: the right one then fails too.
    let locked = offer(&app, "hanako", &reg).await;
    let right = tx_code(&app, "hanako").await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let r = redeem(&app, &pre_authorized_code(&locked), wrong).await;
        assert_eq!(
            oauth_error(r, StatusCode::BAD_REQUEST).await,
            "invalid_grant"
        );
    }
    let r = redeem(&app, &pre_authorized_code(&locked), &right).await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );

    // A code is redeemed once.
    let once = offer(&app, "hanako", &reg).await;
    let code = tx_code(&app, "hanako").await;
    let r = redeem(&app, &pre_authorized_code(&once), &code).await;
    assert_eq!(r.status(), StatusCode::OK);
    let token: Value = r.json().await.unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert!(token["c_nonce"].is_string());
    let r = redeem(&app, &pre_authorized_code(&once), &code).await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );

    // An offer older than 10 minutes is refused.
    let old = offer(&app, "hanako", &reg).await;
    let code = tx_code(&app, "hanako").await;
    sqlx::query(
        "UPDATE credential_offers SET expires_at = now() - interval '1 second' WHERE id = $1",
    )
    .bind(uuid::Uuid::parse_str(old["id"].as_str().unwrap()).unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    let r = redeem(&app, &pre_authorized_code(&old), &code).await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
    let minutes: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - created_at)::float8 / 60 FROM credential_offers WHERE id = $1",
    )
    .bind(uuid::Uuid::parse_str(once["id"].as_str().unwrap()).unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((minutes - 10.0).abs() < 0.1, "{minutes}");

    // Unknown codes and other grants.
    let r = redeem(&app, "no-such-code", "123456").await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
    let r = app
        .http
        .post(format!("{}/oid4vci/token", app.base))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn a_proof_must_answer_our_nonce_for_us_and_a_token_gives_one_credential() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "13345678901").await;
    let offered = offer(&app, "hanako", &reg).await;
    let code = tx_code(&app, "hanako").await;
    let r = redeem(&app, &pre_authorized_code(&offered), &code).await;
    let token: Value = answer(r, StatusCode::OK).await;
    let access = token["access_token"].as_str().unwrap();
    let configuration = offered["credential_configuration_id"].as_str().unwrap();
    let wallet_key = SigningKey::generate().unwrap().0;
    let issuer = &app.base;

    // No token, or an unknown one.
    let r = request_credential(
        &app,
        "not-a-token",
        configuration,
        &proof(&wallet_key, issuer, "n"),
    )
    .await;
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    assert_eq!(
        oauth_error(r, StatusCode::UNAUTHORIZED).await,
        "invalid_token"
    );
    // The audience must be this issuer; the nonce one it issued.
    let n = nonce(&app).await;
    let r = request_credential(
        &app,
        access,
        configuration,
        &proof(&wallet_key, "https://elsewhere.example", &n),
    )
    .await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "invalid_proof"
    );
    let r = request_credential(
        &app,
        access,
        configuration,
        &proof(&wallet_key, issuer, "made-up-nonce"),
    )
    .await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "invalid_nonce"
    );
    let r = request_credential(
        &app,
        access,
        "SOCIAL_WORKER_sd_jwt_vc",
        &proof(&wallet_key, issuer, &n),
    )
    .await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "unknown_credential_configuration"
    );

    // The right proof: a credential bound to the proven key.
    let r = request_credential(&app, access, configuration, &proof(&wallet_key, issuer, &n)).await;
    let body = answer(r, StatusCode::OK).await;
    let sd = body["credentials"][0]["credential"].as_str().unwrap();
    let jwks: JwkSet = app.public_json("/v1/certificate-keys").await;
    let keys = KeySet::from_jwks(&jwks).unwrap();
    let now = chrono::Utc::now().timestamp();
    let verified = sd_jwt::verify(sd, &keys, now, None).unwrap();
    assert_eq!(
        verified.claims["cnf"]["jwk"],
        jwk_value(&wallet_key.public_key())
    );
    assert_eq!(verified.claims["iss"], app.base.as_str());
    // A presentation by the wallet key verifies; the nonce was used up.
    let binding = sd_jwt::KeyBinding {
        audience: "https://v.example",
        nonce: "v1",
        now,
        max_age: 60,
    };
    let shown = sd_jwt::present(
        sd,
        &["registration_number"],
        &wallet_key,
        binding.audience,
        binding.nonce,
        now,
    )
    .unwrap();
    assert!(sd_jwt::verify(&shown, &keys, now, Some(&binding))
        .unwrap()
        .claims
        .get("family_name")
        .is_none());

    // The token gave its one credential; the nonce was used.
    let again = nonce(&app).await;
    let r = request_credential(
        &app,
        access,
        configuration,
        &proof(&wallet_key, issuer, &again),
    )
    .await;
    assert_eq!(
        oauth_error(r, StatusCode::UNAUTHORIZED).await,
        "invalid_token"
    );
    let offered = offer(&app, "hanako", &reg).await;
    let code = tx_code(&app, "hanako").await;
    let token: Value = answer(
        redeem(&app, &pre_authorized_code(&offered), &code).await,
        StatusCode::OK,
    )
    .await;
    let r = request_credential(
        &app,
        token["access_token"].as_str().unwrap(),
        configuration,
        &proof(&wallet_key, issuer, &n),
    )
    .await;
    assert_eq!(
        oauth_error(r, StatusCode::BAD_REQUEST).await,
        "invalid_nonce"
    );
}

#[tokio::test]
async fn the_issuer_publishes_its_metadata_and_each_type() {
    let app = spawn_app().await;
    let meta: Value = app
        .public_json("/.well-known/openid-credential-issuer")
        .await;
    assert_eq!(meta["credential_issuer"], app.base.as_str());
    assert_eq!(
        meta["nonce_endpoint"],
        format!("{}/oid4vci/nonce", app.base)
    );
    let care = &meta["credential_configurations_supported"]["CARE_WORKER_sd_jwt_vc"];
    assert_eq!(care["format"], "dc+sd-jwt");
    assert_eq!(
        care["credential_signing_alg_values_supported"],
        json!(["ES256"])
    );
    let vct = care["vct"].as_str().unwrap();
    let typ: Value = app.text_at(vct).await.parse().unwrap();
    assert_eq!(typ["vct"], vct);
    assert_eq!(typ["claims"].as_array().unwrap().len(), 9);
    let authorization: Value = app
        .public_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(
        authorization["token_endpoint"],
        format!("{}/oid4vci/token", app.base)
    );
    assert_eq!(
        authorization["grant_types_supported"],
        json!(["urn:ietf:params:oauth:grant-type:pre-authorized_code"])
    );
    let r = app
        .get_anonymous("/credential-types/NO_SUCH_QUALIFICATION")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
