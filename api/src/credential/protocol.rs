//! The OpenID4VCI protocol endpoints a wallet calls: the token endpoint
//! (pre-authorized code with transaction code), the nonce endpoint and the
//! credential endpoint (key proof, SD-JWT VC bound to the proven key).
//! Errors are OAuth-style JSON (`error`, `error_description`), as wallets read them.

use actix_web::{post, web, HttpRequest, HttpResponse};
use adapters::certificate::{allocate_status_entry, set_status};
use adapters::issuance::credentials::{self, WalletCredentialRecord};
use adapters::issuance::offers::{self, Refusal};
use certificate::wallet_credential::{RegisteredFacts, WalletCredential};
use certificate::{key_proof, Status, StatusReference};
use chrono::{Duration, Utc};
use domain::registration::QualificationRegistration;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::offer::wallet_status;
use super::{configured, issuer, vct, PRE_AUTHORIZED_GRANT};
use crate::error::ApiError;
use crate::oauth::{oauth_error, token_form};
use crate::AppState;

/// How long a wallet credential is valid: the holder fetches a fresh one
/// yearly, so a lost wallet's copy does not last.
const CREDENTIAL_LIFETIME: Duration = Duration::days(365);

fn no_store(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

/// The token request of the pre-authorized code grant, form-encoded.
#[derive(Debug, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    #[serde(rename = "pre-authorized_code")]
    pre_authorized_code: Option<String>,
    tx_code: Option<String>,
}

/// Redeems a pre-authorized code (with the transaction code) for an access
/// token and a first nonce.
#[post("/oid4vci/token")]
pub async fn token_endpoint(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let form: TokenRequest = token_form(&req, &body)?;
    match form.grant_type.as_deref() {
        Some(PRE_AUTHORIZED_GRANT) => {}
        None => return Err(oauth_error("invalid_request", "grant_type is required")),
        Some(_) => {
            return Err(oauth_error(
                "unsupported_grant_type",
                "only the pre-authorized code grant is supported",
            ))
        }
    }
    let code = form
        .pre_authorized_code
        .ok_or_else(|| oauth_error("invalid_request", "pre-authorized_code is required"))?;
    let redeemed = offers::redeem(&state.pool, &code, form.tx_code.as_deref())
        .await?
        .map_err(|refusal| {
            let description = match refusal {
                Refusal::UnknownCode => "unknown pre-authorized code".to_owned(),
                Refusal::Expired => "the offer has expired; ask for a new one".to_owned(),
                Refusal::AlreadyUsed => "the pre-authorized code was used already".to_owned(),
                Refusal::Locked => {
                    "too many wrong transaction codes: the offer is locked; ask for a new one"
                        .to_owned()
                }
                Refusal::WrongTxCode { tries_left: 0 } => {
                    "wrong transaction code; the offer is now locked".to_owned()
                }
                Refusal::WrongTxCode { .. } => "wrong or missing transaction code".to_owned(),
            };
            oauth_error("invalid_grant", description)
        })?;
    let (c_nonce, nonce_expires_in) = credentials::new_nonce(&state.pool).await?;
    Ok(no_store(json!({
        "access_token": redeemed.access_token,
        "token_type": "Bearer",
        "expires_in": redeemed.expires_in,
        "c_nonce": c_nonce,
        "c_nonce_expires_in": nonce_expires_in,
        "authorization_details": [{
            "type": "openid_credential",
            "credential_configuration_id": redeemed.configuration_id,
            "credential_identifiers": [redeemed.configuration_id],
        }],
    })))
}

/// A fresh nonce for a key proof (OpenID4VCI 1.0 section 7).
#[post("/oid4vci/nonce")]
pub async fn nonce_endpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (c_nonce, _) = credentials::new_nonce(&state.pool).await?;
    Ok(no_store(json!({"c_nonce": c_nonce})))
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The one key proof of a credential request (`proofs.jwt[0]` or `proof.jwt`).
fn proof_jwt(body: &Value) -> Result<&str, ApiError> {
    let from_proofs = body.pointer("/proofs/jwt").and_then(Value::as_array);
    let jwt = match from_proofs {
        Some(list) if list.len() == 1 => list[0].as_str(),
        Some(_) => {
            return Err(oauth_error(
                "invalid_proof",
                "exactly one jwt proof is accepted",
            ))
        }
        None => body.pointer("/proof/jwt").and_then(Value::as_str),
    };
    jwt.ok_or_else(|| {
        oauth_error(
            "invalid_proof",
            "a jwt key proof (openid4vci-proof+jwt) is required",
        )
    })
}

/// Issues the SD-JWT VC of the access token's offer, bound to the key the proof proves.
#[post("/oid4vci/credential")]
pub async fn credential_endpoint(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let invalid_token = || {
        oauth_error(
            "invalid_token",
            "the access token is missing, unknown, used or expired",
        )
    };
    let token = bearer(&req).ok_or_else(invalid_token)?;
    let mut tx = state.pool.begin().await?;
    let grant = credentials::grant(&mut tx, token)
        .await?
        .ok_or_else(invalid_token)?;
    let body: Value = serde_json::from_slice(&body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            oauth_error(
                "invalid_credential_request",
                "the body must be a JSON object",
            )
        })?;
    let asked = body
        .get("credential_configuration_id")
        .or_else(|| body.get("credential_identifier"))
        .and_then(Value::as_str);
    if asked != Some(grant.configuration_id.as_str()) {
        return Err(oauth_error(
            "unknown_credential_configuration",
            "the access token grants only the offered credential configuration",
        ));
    }
    let base = issuer(&state);
    let now = Utc::now();
    let proof = key_proof::verify(proof_jwt(&body)?, &base, now.timestamp())
        .map_err(|e| oauth_error("invalid_proof", e.to_string()))?;
    if !credentials::consume_nonce(&mut tx, &proof.nonce).await? {
        return Err(oauth_error(
            "invalid_nonce",
            "the proof's nonce was not issued here, is used or expired; fetch a new one",
        ));
    }
    let (reg, _) = state
        .cases
        .registrations
        .load(&grant.registration_id.to_string())
        .await?;
    let denied = || {
        oauth_error(
            "credential_request_denied",
            "the registration has no current certificate",
        )
    };
    let certificate = reg.certificate.clone().ok_or_else(denied)?;
    if wallet_status(&reg, certificate.certificate_id, now + CREDENTIAL_LIFETIME) != "VALID" {
        return Err(denied());
    }
    // Nor while suspended: the wallet would hold a credential the list
    // calls VALID for a registration that is not.
    let listed =
        adapters::certificate::status::status_of(&state.pool, certificate.certificate_id).await?;
    if listed == Some(Status::Suspended) {
        return Err(oauth_error(
            "credential_request_denied",
            "the registration is suspended",
        ));
    }
    let qualification = configured(&state, &grant.configuration_id).ok_or_else(denied)?;
    let facts = registered_facts(&reg, qualification).ok_or_else(denied)?;
    let id = Uuid::new_v4();
    // Its own entry at a random position: a verifier of the wallet
    // credential learns nothing of the certificate's.
    let entry = allocate_status_entry(&mut tx, &base, id, grant.registration_id).await?;
    let status = StatusReference {
        idx: entry.idx,
        uri: entry.uri.clone(),
    };
    let record = WalletCredentialRecord {
        id,
        registration_id: grant.registration_id,
        configuration_id: grant.configuration_id.clone(),
        certificate_id: certificate.certificate_id,
        holder_key: proof.key.thumbprint(),
        status_index: entry.idx as i64,
        status_uri: entry.uri,
        issued_at: now,
        expires_at: now + CREDENTIAL_LIFETIME,
    };
    let sd_jwt = WalletCredential {
        issuer: &base,
        vct: &vct(&state, &qualification.code),
        issued_at: now.timestamp(),
        expires_at: record.expires_at.timestamp(),
        status,
        holder: &proof.key,
        facts: &facts,
    }
    .sign(&state.certificates.key)
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    credentials::record(&mut tx, &grant, &record).await?;
    tx.commit().await?;
    // A re-issue, change or deletion recorded while this one was signed:
    // the revoking subscription may have passed before this commit, so the
    // issuer looks again now (one of the two always sees the other).
    let (after, _) = state
        .cases
        .registrations
        .load(&grant.registration_id.to_string())
        .await?;
    if wallet_status(&after, certificate.certificate_id, record.expires_at) != "VALID" {
        let mut conn = state.pool.acquire().await?;
        set_status(&mut conn, record.id, Status::Invalid).await?;
    }
    Ok(no_store(json!({"credentials": [{"credential": sd_jwt}]})))
}

/// What the register says of the holder, as the credential certifies it.
fn registered_facts(
    reg: &QualificationRegistration,
    qualification: &domain::catalogue::Qualification,
) -> Option<RegisteredFacts> {
    let holder = reg.applicant.as_ref()?;
    Some(RegisteredFacts {
        qualification_code: qualification.code.clone(),
        qualification_name_ja: qualification.name_ja.clone(),
        qualification_name_en: qualification.name_en.clone(),
        registration_number: reg.registration_number.clone()?,
        registered_on: reg.registered_on?,
        family_name: holder.family_name.clone(),
        given_name: holder.given_name.clone(),
        family_name_kana: holder.family_name_kana.clone(),
        given_name_kana: holder.given_name_kana.clone(),
        date_of_birth: holder.date_of_birth,
        endorsements: reg
            .endorsements
            .iter()
            .map(|e| certificate::EndorsementFact {
                code: e.code.clone(),
                name_ja: e.name_ja.clone(),
                name_en: e.name_en.clone(),
            })
            .collect(),
    })
}
