//! `shikaku verify`: checks a certificate with cached keys and a cached
//! status list, so verification works while the central site is down.
//! Without the files it fetches both from the issuer the token names.

use std::path::PathBuf;

use certificate::encoding::{token_bytes, token_from_input};
use certificate::token::read_unverified;
use certificate::{verify_certificate, Invalid, JwkSet, KeySet, Status, StatusListToken, Verdict};
use clap::Args;

/// Options of `shikaku verify`.
#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// The token (base64url) or a verification URL (`.../verify?c=...`).
    pub input: String,
    /// A JWK Set saved from /v1/certificate-keys (no network for keys).
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// A status list token (CWT or JWT) saved from the list's URI (no network for status).
    #[arg(long)]
    pub status_list: Option<PathBuf>,
}

/// Why the verifier itself could not work (not a verdict on the certificate).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the keys file is not a JWK Set of P-256 keys: {0}")]
    Keys(String),
    #[error("the status list is not genuine or not readable: {0}")]
    StatusList(Invalid),
    #[error("cannot fetch {0}: {1}")]
    Fetch(String, String),
}

/// Exit status: 0 VALID, 1 INVALID, 2 REVOKED, 3 SUSPENDED.
pub fn exit_code(verdict: &Verdict) -> i32 {
    match verdict {
        Verdict::Valid { .. } => 0,
        Verdict::Invalid(_) => 1,
        Verdict::Revoked { .. } => 2,
        Verdict::Suspended { .. } => 3,
    }
}

async fn fetch(url: &str) -> Result<Vec<u8>, VerifyError> {
    let failed = |e: String| VerifyError::Fetch(url.to_owned(), e);
    let response = reqwest::get(url).await.map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(response.status().to_string()));
    }
    Ok(response
        .bytes()
        .await
        .map_err(|e| failed(e.to_string()))?
        .to_vec())
}

async fn read_or_fetch(file: &Option<PathBuf>, url: &str) -> Result<Vec<u8>, VerifyError> {
    match file {
        Some(path) => {
            std::fs::read(path).map_err(|e| VerifyError::Read(path.display().to_string(), e))
        }
        None => fetch(url).await,
    }
}

/// Verifies and returns the verdict (printing nothing).
pub async fn verify(args: &VerifyArgs) -> Result<Verdict, VerifyError> {
    let token = token_from_input(&args.input);
    // Where to fetch from, when not from files: the issuer the token names.
    // Nothing read here is trusted before the signature is checked.
    let claims = match token_bytes(token).and_then(|bytes| read_unverified(&bytes)) {
        Ok(claims) => claims,
        Err(e) => return Ok(Verdict::Invalid(e)),
    };
    let keys_url = format!(
        "{}/v1/certificate-keys",
        claims.issuer.trim_end_matches('/')
    );
    let jwks: JwkSet = serde_json::from_slice(&read_or_fetch(&args.keys, &keys_url).await?)
        .map_err(|e| VerifyError::Keys(e.to_string()))?;
    let keys = KeySet::from_jwks(&jwks).map_err(|e| VerifyError::Keys(e.to_string()))?;
    let verdict = verify_certificate(token, &keys, |_| Some(Status::Valid));
    let Verdict::Valid { claims, kid } = verdict else {
        return Ok(verdict);
    };
    let list_bytes = read_or_fetch(&args.status_list, &claims.status.uri).await?;
    // A saved list may be either form: a JWT is text starting with `ey`.
    let list = match std::str::from_utf8(&list_bytes) {
        Ok(jwt) if jwt.trim_start().starts_with("ey") => StatusListToken::verify_jwt(jwt, &keys),
        _ => StatusListToken::verify(&list_bytes, &keys),
    }
    .map_err(VerifyError::StatusList)?;
    if list
        .expires_at
        .is_some_and(|exp| exp < chrono::Utc::now().timestamp())
    {
        return Ok(Verdict::Invalid(Invalid::StatusList(
            "the status list has expired; fetch a newer one",
        )));
    }
    if list.subject != claims.status.uri {
        return Ok(Verdict::Invalid(Invalid::StatusList(
            "the status list is not the one the certificate names",
        )));
    }
    Ok(match list.list.status(claims.status.idx) {
        Some(status) => Verdict::of_status(claims, kid, status),
        None => Verdict::Invalid(Invalid::StatusList(
            "the status list predates this certificate; fetch a newer one",
        )),
    })
}

/// Prints the verdict and the certified facts for people.
pub fn print(verdict: &Verdict) {
    println!("{}", verdict.result());
    if let Verdict::Invalid(reason) = verdict {
        println!("reason: {reason}");
    }
    if let Some(claims) = verdict.claims() {
        let f = &claims.facts;
        println!(
            "qualification:        {} ({})",
            f.qualification_name, f.qualification_code
        );
        println!("name:                 {} {}", f.family_name, f.given_name);
        println!(
            "name (kana):          {} {}",
            f.family_name_kana, f.given_name_kana
        );
        println!("date of birth:        {}", f.date_of_birth);
        println!("registration number:  {}", f.registration_number);
        println!("registered on:        {}", f.registered_on);
        println!("issued on:            {}", f.issued_on);
        for e in &f.endorsements {
            println!(
                "endorsement:          {} / {} ({})",
                e.name_ja, e.name_en, e.code
            );
        }
        println!("certificate id:       {}", f.certificate_id);
        println!("issuer:               {}", claims.issuer);
    }
    println!("note: a valid certificate is genuine and current; it does not prove that the person presenting it is the holder.");
}
