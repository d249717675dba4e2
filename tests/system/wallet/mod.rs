//! Wallet credentials (SD-JWT VC over OpenID4VCI): a standard wallet from npm
//! receives and presents one (`tests/wallet/wallet.mjs`), and every refusal
//! of the protocol is tested with a wallet written here over the
//! certificate crate's JOSE.

mod holder;
mod refusals;
mod revocation;
mod sanction;
mod standard_wallet;
mod status_wake;

use crate::common;

use std::path::Path;
use std::process::Command;

use certificate::jose::{self, jwk_value};
use certificate::SigningKey;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Map, Value};

use crate::common::certificates::{certificate, registered};
use crate::common::{answer, TestApp};

/// A registered holder with a certificate; returns the registration id.
async fn holder_with_certificate(app: &TestApp, holder: &str, base: &str) -> String {
    let reg = registered(app, holder, base).await;
    certificate(app, holder, &reg).await;
    reg
}

/// Asks for an offer as `holder`; asserts 201.
async fn offer(app: &TestApp, holder: &str, reg: &str) -> Value {
    let r = app
        .post_as(
            Role::Applicant,
            holder,
            &format!("/v1/registrations/{reg}/credential-offers"),
            &json!({}),
        )
        .await;
    answer(r, StatusCode::CREATED).await
}

/// The transaction code of the newest offer, read from the holder's inbox.
async fn tx_code(app: &TestApp, holder: &str) -> String {
    let inbox: Value = app
        .get_json("/v1/notifications", &app.token(Role::Applicant, holder))
        .await;
    let notice = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "credential_offer_code")
        .expect("a credential_offer_code notice");
    let body = notice["body"].as_str().unwrap();
    body.lines()
        .find_map(|l| {
            l.strip_prefix("確認コード: ")
                .or_else(|| l.strip_prefix("Code: "))
        })
        .expect("a code line")
        .trim()
        .to_owned()
}

/// The pre-authorized code of an offer.
fn pre_authorized_code(offer: &Value) -> String {
    offer["credential_offer"]["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        ["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// POST /oid4vci/token with the pre-authorized code grant.
async fn redeem(app: &TestApp, code: &str, tx_code: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/oid4vci/token", app.base))
        .form(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            ),
            ("pre-authorized_code", code),
            ("tx_code", tx_code),
        ])
        .send()
        .await
        .unwrap()
}

/// A fresh nonce from the nonce endpoint.
async fn nonce(app: &TestApp) -> String {
    let r = app
        .http
        .post(format!("{}/oid4vci/nonce", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.json::<Value>().await.unwrap()["c_nonce"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A key proof (`openid4vci-proof+jwt`) by `key`.
fn proof(key: &SigningKey, audience: &str, nonce: &str) -> String {
    let mut header = Map::new();
    header.insert("typ".into(), "openid4vci-proof+jwt".into());
    header.insert("jwk".into(), jwk_value(&key.public_key()));
    let iat = chrono::Utc::now().timestamp();
    jose::sign(
        header,
        &json!({"aud": audience, "iat": iat, "nonce": nonce}),
        key,
    )
}

/// POST /oid4vci/credential with `access_token` and one proof.
async fn request_credential(
    app: &TestApp,
    access_token: &str,
    configuration_id: &str,
    proof: &str,
) -> reqwest::Response {
    app.http
        .post(format!("{}/oid4vci/credential", app.base))
        .bearer_auth(access_token)
        .json(&json!({"credential_configuration_id": configuration_id, "proofs": {"jwt": [proof]}}))
        .send()
        .await
        .unwrap()
}

/// Runs `tests/wallet/wallet.mjs <command>` with `env`; its JSON output.
async fn wallet(command: &str, env: &[(&str, &str)]) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wallet");
    assert!(
        dir.join("node_modules/@openid4vc/openid4vci").exists(),
        "run `npm ci` in tests/wallet (scripts/test does) to install the wallet libraries"
    );
    let mut node = Command::new("node");
    node.arg(dir.join("wallet.mjs"))
        .arg(command)
        .current_dir(&dir);
    for (k, v) in env {
        node.env(k, v);
    }
    // The server runs on this runtime: wait for node off it.
    let output = tokio::task::spawn_blocking(move || node.output())
        .await
        .unwrap()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "wallet {command} failed:\n{stdout}\n{stderr}"
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("wallet {command} printed no JSON ({e}):\n{stdout}\n{stderr}"))
}

/// Obtains a credential with a wallet key of our own; returns its status list claim.
async fn obtain(app: &TestApp, holder: &str, reg: &str) -> Value {
    let sd = credential(app, holder, reg).await;
    let payload = sd.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&certificate::encoding::unb64(payload).unwrap()).unwrap();
    claims["status"]["status_list"].clone()
}

/// Obtains a credential with a wallet key of our own: the SD-JWT VC with
/// every disclosure, as the issuer hands it out.
pub(crate) async fn credential(app: &TestApp, holder: &str, reg: &str) -> String {
    let offered = offer(app, holder, reg).await;
    let code = tx_code(app, holder).await;
    let token = answer(
        redeem(app, &pre_authorized_code(&offered), &code).await,
        StatusCode::OK,
    )
    .await;
    let key = SigningKey::generate().unwrap().0;
    let n = nonce(app).await;
    let configuration = offered["credential_configuration_id"].as_str().unwrap();
    let r = request_credential(
        app,
        token["access_token"].as_str().unwrap(),
        configuration,
        &proof(&key, &app.base, &n),
    )
    .await;
    answer(r, StatusCode::OK).await["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The published status of the credential at `entry`, read from the entries table.
async fn entry_status(app: &TestApp, entry: &Value) -> i16 {
    sqlx::query_scalar(
        "SELECT e.status FROM status_list_entries e JOIN status_lists l ON l.id = e.list_id
         WHERE e.idx = $1 AND $2 LIKE '%' || l.path",
    )
    .bind(entry["idx"].as_i64().unwrap() as i32)
    .bind(entry["uri"].as_str().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap()
}
