//! What a wallet reads before it asks: the credential issuer metadata
//! (OpenID4VCI 1.0 section 12.2), the authorization server metadata (RFC
//! 8414, with the pre-authorized grant), the JWT VC issuer metadata (where
//! the signing keys are) and each credential type's metadata (SD-JWT VC).

use actix_web::{get, web, HttpResponse};
use certificate::wallet_credential::DISCLOSABLE_CLAIMS;
use domain::catalogue::Qualification;
use serde_json::{json, Map, Value};

use super::{configuration_id, issuer, vct, PRE_AUTHORIZED_GRANT};
use crate::error::ApiError;
use crate::AppState;

/// Labels of the disclosable claims (Japanese, English), in their order.
const CLAIM_LABELS: [(&str, &str); 9] = [
    ("資格", "Qualification"),
    ("登録番号", "Registration number"),
    ("登録年月日", "Date of registration"),
    ("氏", "Family name"),
    ("名", "Given name"),
    ("氏（カナ）", "Family name (kana)"),
    ("名（カナ）", "Given name (kana)"),
    ("生年月日", "Date of birth"),
    ("付記事項", "Endorsements"),
];

fn display(ja: &str, en: &str, key: &str) -> Value {
    json!([{"locale": "ja-JP", key: ja}, {"locale": "en-US", key: en}])
}

fn claims() -> Vec<Value> {
    DISCLOSABLE_CLAIMS
        .iter()
        .zip(CLAIM_LABELS)
        .map(|(name, (ja, en))| json!({"path": [name], "display": display(ja, en, "name")}))
        .collect()
}

fn configuration(state: &AppState, q: &Qualification) -> Value {
    json!({
        "format": certificate::sd_jwt::TYP,
        "vct": vct(state, &q.code),
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": ["ES256"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}},
        "credential_metadata": {
            "display": [
                {"name": q.name_ja, "locale": "ja-JP"},
                {"name": q.name_en, "locale": "en-US"},
            ],
            "claims": claims(),
        },
    })
}

fn json_response(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(body)
}

/// The credential issuer metadata: one configuration per qualification.
#[get("/.well-known/openid-credential-issuer")]
pub async fn credential_issuer(state: web::Data<AppState>) -> HttpResponse {
    let base = issuer(&state);
    let configurations: Map<String, Value> = state
        .catalogue
        .qualifications
        .iter()
        .map(|q| (configuration_id(&q.code), configuration(&state, q)))
        .collect();
    json_response(json!({
        "credential_issuer": base,
        "authorization_servers": [base],
        "credential_endpoint": format!("{base}/oid4vci/credential"),
        "nonce_endpoint": format!("{base}/oid4vci/nonce"),
        "display": display("資格登録事務局", "Qualification Registration Office", "name"),
        "credential_configurations_supported": configurations,
    }))
}

/// The authorization server metadata: the token endpoint and the
/// pre-authorized code grant, usable without client authentication.
#[get("/.well-known/oauth-authorization-server")]
pub async fn authorization_server(state: web::Data<AppState>) -> HttpResponse {
    let base = issuer(&state);
    json_response(json!({
        "issuer": base,
        "token_endpoint": format!("{base}/oid4vci/token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": true,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
    }))
}

/// Where verifiers find the issuer's keys (SD-JWT VC JWT VC Issuer Metadata).
#[get("/.well-known/jwt-vc-issuer")]
pub async fn jwt_vc_issuer(state: web::Data<AppState>) -> HttpResponse {
    let base = issuer(&state);
    json_response(json!({"issuer": base, "jwks_uri": format!("{base}/v1/certificate-keys")}))
}

/// The type metadata a credential's `vct` points at.
#[get("/credential-types/{code}")]
pub async fn type_metadata(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let q = state
        .catalogue
        .qualification(&code)
        .ok_or(ApiError::NotFound)?;
    let claims: Vec<Value> = DISCLOSABLE_CLAIMS
        .iter()
        .zip(CLAIM_LABELS)
        .map(|(name, (ja, en))| {
            json!({"path": [name], "display": display(ja, en, "label"), "sd": "always"})
        })
        .collect();
    Ok(json_response(json!({
        "vct": vct(&state, &q.code),
        "name": q.name_en,
        "description": format!("Registration as {} in the register the office keeps", q.name_en),
        "display": [
            {"locale": "ja-JP", "name": q.name_ja},
            {"locale": "en-US", "name": q.name_en},
        ],
        "claims": claims,
    })))
}
