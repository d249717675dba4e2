//! Identity: tokens of an OpenID Connect issuer, signed by test keys (RS256
//! and ES256) that a local JWKS server on port 0 publishes; the issuer's
//! claims (roles, verified name and date of birth); development tokens only
//! in development.

use crate::common;

use std::sync::{Arc, Mutex};

use crate::common::{answer, my_number, spawn_app_with, TestApp};
use actix_web::{web, App, HttpResponse, HttpServer};
use base64::Engine;
use chrono::Utc;
use domain::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ISSUER: &str = "https://id.example.test";
const AUDIENCE: &str = "shikaku-test";

/// The issuer's published keys, which a test may change, and how often
/// they were fetched.
#[derive(Clone, Default)]
struct Jwks {
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<Mutex<usize>>,
}

impl Jwks {
    fn publish(&self, keys: Vec<Value>) {
        *self.keys.lock().unwrap() = keys;
    }
    fn fetches(&self) -> usize {
        *self.fetches.lock().unwrap()
    }
}

/// Serves `/jwks` on port 0; returns its URL.
fn serve_jwks(jwks: Jwks) -> String {
    let server = HttpServer::new(move || {
        let jwks = jwks.clone();
        App::new().route(
            "/jwks",
            web::get().to(move || {
                let jwks = jwks.clone();
                async move {
                    *jwks.fetches.lock().unwrap() += 1;
                    let keys = jwks.keys.lock().unwrap().clone();
                    HttpResponse::Ok().json(json!({ "keys": keys }))
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("http://127.0.0.1:{port}/jwks")
}

/// A signing key of the test issuer and its public JWK.
struct TestKey {
    alg: Algorithm,
    kid: String,
    key: EncodingKey,
    jwk: Value,
}

fn rsa_key() -> TestKey {
    let jwk: Value =
        serde_json::from_str(include_str!("../support/oidc_rsa_jwk.json")).expect("fixture JWK");
    TestKey {
        alg: Algorithm::RS256,
        kid: jwk["kid"].as_str().unwrap().to_owned(),
        key: EncodingKey::from_rsa_der(include_bytes!("../support/oidc_rsa_pkcs1.der")),
        jwk,
    }
}

fn ec_key() -> TestKey {
    let (key, pem) = certificate::SigningKey::generate().unwrap();
    let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(der)
        .unwrap();
    let jwk = serde_json::to_value(key.public_key().to_jwk()).unwrap();
    TestKey {
        alg: Algorithm::ES256,
        kid: key.kid().to_owned(),
        key: EncodingKey::from_ec_der(&der),
        jwk,
    }
}

impl TestKey {
    /// A token with standard claims for `sub`, overridden by `extra`.
    fn token(&self, sub: &str, extra: Value) -> String {
        let now = Utc::now().timestamp();
        let mut claims = json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": sub,
            "iat": now, "nbf": now, "exp": now + 300,
        });
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.key).unwrap()
    }
}

async fn app_with_issuer(jwks: &Jwks) -> TestApp {
    app_with_issuer_and(jwks, |_| {}).await
}

async fn app_with_issuer_and(jwks: &Jwks, adjust: impl FnOnce(&mut shikaku::Settings)) -> TestApp {
    let url = serve_jwks(jwks.clone());
    spawn_app_with(|s| {
        s.oidc_issuer = ISSUER.into();
        s.oidc_jwks_url = url;
        s.oidc_audience = AUDIENCE.into();
        adjust(s);
    })
    .await
}

#[tokio::test]
async fn issuer_tokens_sign_in_staff_by_roles_and_applicants() {
    let jwks = Jwks::default();
    let (rsa, ec) = (rsa_key(), ec_key());
    jwks.publish(vec![rsa.jwk.clone(), ec.jwk.clone()]);
    let app = app_with_issuer(&jwks).await;

    // RS256, staff role from `roles`.
    let examiner = rsa.token("oidc-examiner", json!({"roles": ["examiner"]}));
    let r = app.get("/v1/queue", &examiner).await;
    assert_eq!(r.status(), StatusCode::OK);
    // ES256, no staff role: an applicant, who may not see the queue.
    let applicant = ec.token("oidc-applicant", json!({}));
    let r = app.get("/v1/queue", &applicant).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.get("/v1/registrations", &applicant).await;
    assert_eq!(r.status(), StatusCode::OK);
    // A `ministry` role is not honoured: ministries are OAuth clients.
    let r = app
        .get(
            "/v1/registrations",
            &ec.token("m", json!({"roles": ["ministry"]})),
        )
        .await;
    let body = answer(r, StatusCode::OK).await;
    assert_eq!(body["items"], json!([]), "treated as an applicant");
    // One fetch served every key.
    assert_eq!(jwks.fetches(), 1);
    // Development tokens still work in development.
    let r = app
        .get_as(Role::Examiner, "dev-examiner", "/v1/queue")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_issuer_audience_expired_or_early_tokens_are_refused() {
    let jwks = Jwks::default();
    let rsa = rsa_key();
    jwks.publish(vec![rsa.jwk.clone()]);
    let app = app_with_issuer(&jwks).await;
    let roles = json!(["examiner"]);
    let now = Utc::now().timestamp();
    let cases = [
        (
            "wrong iss",
            json!({"roles": roles, "iss": "https://evil.example"}),
        ),
        ("wrong aud", json!({"roles": roles, "aud": "someone-else"})),
        (
            "expired beyond leeway",
            json!({"roles": roles, "exp": now - 120}),
        ),
        ("not yet valid", json!({"roles": roles, "nbf": now + 300})),
        ("no sub", json!({"roles": roles, "sub": ""})),
    ];
    for (what, claims) in cases {
        let r = app.get("/v1/queue", &rsa.token("x", claims)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{what}"
        );
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["code"], "UNAUTHENTICATED", "{what}");
    }
    // Expired within the leeway (30 s) still passes.
    let r = app
        .get(
            "/v1/queue",
            &rsa.token("x", json!({"roles": roles, "exp": now - 5})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A token signed by a key the issuer never published.
    let stranger = ec_key();
    let r = app
        .get("/v1/queue", &stranger.token("x", json!({"roles": roles})))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // HS256 with the issuer's claims but not our dev secret.
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60, "roles": roles}),
        &EncodingKey::from_secret(b"guess"),
    )
    .unwrap();
    let r = app.get("/v1/queue", &forged).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_keys_again_but_not_on_every_request() {
    let jwks = Jwks::default();
    let (old, new) = (rsa_key(), ec_key());
    jwks.publish(vec![old.jwk.clone()]);
    let app = app_with_issuer(&jwks).await;
    let roles = json!({"roles": ["examiner"]});
    for _ in 0..3 {
        let r = app.get("/v1/queue", &old.token("a", roles.clone())).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(jwks.fetches(), 1, "cached after the first fetch");

    // The issuer rotates: a token with the new kid makes us fetch again.
    jwks.publish(vec![old.jwk.clone(), new.jwk.clone()]);
    // (A refetch is allowed once per 10 s; wait out the first fetch's window.)
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let r = app.get("/v1/queue", &new.token("b", roles.clone())).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(jwks.fetches(), 2);
    let r = app.get("/v1/queue", &old.token("a", roles.clone())).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(jwks.fetches(), 2, "known kids are not fetched again");

    // Forged kids right after a fetch do not hammer the issuer.
    let mut forged = ec_key();
    for i in 0..5 {
        forged.kid = format!("forged-{i}");
        let r = app
            .get("/v1/queue", &forged.token("c", roles.clone()))
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(jwks.fetches(), 2);
}

#[tokio::test]
async fn verified_claims_decide_the_initial_setting_not_the_body() {
    let jwks = Jwks::default();
    let ec = ec_key();
    jwks.publish(vec![ec.jwk.clone()]);
    // Production's rule: no link without verified claims.
    let app = app_with_issuer_and(&jwks, |s| {
        s.registry_fixtures = crate::initial_setting::registry_fixture();
        s.require_verified_identity = true;
    })
    .await;
    let text = "qualification_code,registration_number,registered_on,family_name,given_name,family_name_kana,given_name_kana,date_of_birth,address,registered_domicile\n\
                CARE_WORKER,0100001,2001-04-01,田中,一郎,タナカ,イチロウ,1970-01-02,横浜市,神奈川県\n";
    shikaku::import::import_register(&app.pool, text)
        .await
        .unwrap();
    app.settle().await;
    let body = |family: &str| {
        json!({"qualification_code": "CARE_WORKER", "registration_number": "0100001",
               "family_name": family, "given_name": "一郎", "date_of_birth": "1970-01-02",
               "my_number": my_number("13579135791")})
    };
    // Someone else, verified by the provider, claiming Tanaka's details in the body.
    let impostor = ec.token(
        "impostor",
        json!({"verified_claims": {"verification": {"trust_framework": "jp_digital_auth"},
               "claims": {"family_name": "佐藤", "given_name": "一郎", "birthdate": "1970-01-02"}}}),
    );
    let r = app
        .post("/v1/registration-links", &impostor, &body("田中"))
        .await;
    let p = answer(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["code"], "LINK_NOT_MATCHED");

    // Tanaka, verified, whose body misspells the name: the verified claims
    // count. A number the register does not confirm as his links nothing.
    let tanaka = ec.token(
        "tanaka",
        json!({"family_name": "田中", "given_name": "一郎", "birthdate": "1970-01-02"}),
    );
    let mut unknown = body("田中");
    unknown["my_number"] = json!(my_number("98765432109"));
    let r = app.post("/v1/registration-links", &tanaka, &unknown).await;
    let p = answer(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["code"], "LINK_NOT_MATCHED");
    let linked = app
        .post_ok("/v1/registration-links", &tanaka, &body("田所"))
        .await;
    assert_eq!(linked["registration_number"], "0100001");
    // A token without verified claims is refused with its own code.
    let plain = ec.token("plain", json!({}));
    let r = app
        .post("/v1/registration-links", &plain, &body("田中"))
        .await;
    let p = answer(r, StatusCode::FORBIDDEN).await;
    assert_eq!(p["code"], "VERIFIED_IDENTITY_REQUIRED");
}

#[tokio::test]
async fn development_tokens_are_refused_where_development_is_off() {
    let app = common::spawn_app().await;
    let limit = api::oauth::rate::RateLimit {
        per_second: 10.0,
        burst: 10.0,
    };
    let vault: [u8; 32] = hex::decode(common::VAULT_KEY).unwrap().try_into().unwrap();
    let clients = api::oauth::issuer::ClientTokens::load(&app.pool, &app.base, limit, &vault)
        .await
        .unwrap();
    // As production wires it: no development keys, no issuer configured.
    let production = api::auth::Authenticator {
        dev: None,
        oidc: None,
        clients: Arc::new(clients),
        subjects: api::auth::SubjectIssuers::new(app.pool.clone()),
    };
    let token = app.token(Role::Admin, "root");
    assert!(production.authenticate(&token).await.is_err());
    let development = api::auth::Authenticator {
        dev: Some(app.tokens.clone()),
        ..production
    };
    let caller = development.authenticate(&token).await.unwrap();
    assert_eq!(caller.0.role, Role::Admin);
}

#[tokio::test]
async fn a_subject_belongs_to_the_issuer_that_first_named_it() {
    let jwks = Jwks::default();
    let ec = ec_key();
    jwks.publish(vec![ec.jwk.clone()]);
    let app = app_with_issuer(&jwks).await;

    // The provider's person signs in first: the subject is theirs.
    let person = ec.token("holder-1", json!({}));
    let r = app.get("/v1/registrations", &person).await;
    assert_eq!(r.status(), StatusCode::OK);
    // A development token naming the same subject does not act as them.
    let r = app
        .get_as(Role::Applicant, "holder-1", "/v1/registrations")
        .await;
    let p = answer(r, StatusCode::UNAUTHORIZED).await;
    assert_eq!(p["code"], "UNAUTHENTICATED");
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("another identity issuer"));
    // Nor the other way round, and the binding holds after the cache.
    let r = app.get_as(Role::Examiner, "dev-2", "/v1/queue").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .get(
            "/v1/queue",
            &ec.token("dev-2", json!({"roles": ["examiner"]})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.get("/v1/registrations", &person).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bound: Vec<(String, String)> =
        sqlx::query_as("SELECT subject, issuer FROM subject_issuers ORDER BY subject")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        bound,
        vec![
            ("dev-2".to_owned(), api::auth::DEVELOPMENT_ISSUER.to_owned()),
            ("holder-1".to_owned(), ISSUER.to_owned()),
        ]
    );
}
