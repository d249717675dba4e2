//! SD-JWT VC (RFC 9901 SD-JWT, draft-ietf-oauth-sd-jwt-vc): an issuer-signed
//! JWT whose selectively disclosable claims travel as salted disclosures
//! (only their SHA-256 digests are signed), presented with a subset of the
//! disclosures and a key-binding JWT signed by the holder's key (`cnf.jwk`).
//! Flat claims only: every disclosable claim is a top-level member.

use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};

use crate::encoding::{b64, unb64};
use crate::jose::{self, public_jwk, Jws};
use crate::{Invalid, KeyError, KeySet, SigningKey};

/// The media type (and JOSE `typ`) of an SD-JWT VC.
pub const TYP: &str = "dc+sd-jwt";
/// The `typ` of a key-binding JWT.
pub const KB_TYP: &str = "kb+jwt";

fn hash(text: &str) -> String {
    b64(digest(&SHA256, text.as_bytes()).as_ref())
}

/// Issues an SD-JWT: `visible` claims in the clear, each of `disclosable`
/// behind a disclosure with a 128-bit salt; the digests are sorted so their
/// order tells nothing. Ends with `~` (no key binding: the issuer's form).
pub fn issue(
    key: &SigningKey,
    mut visible: Map<String, Value>,
    disclosable: Vec<(String, Value)>,
) -> Result<String, KeyError> {
    let rng = SystemRandom::new();
    let mut disclosures = Vec::with_capacity(disclosable.len());
    for (name, value) in disclosable {
        let mut salt = [0u8; 16];
        rng.fill(&mut salt).map_err(|_| KeyError::Random)?;
        disclosures.push(b64(json!([b64(&salt), name, value]).to_string().as_bytes()));
    }
    let mut digests: Vec<String> = disclosures.iter().map(|d| hash(d)).collect();
    digests.sort();
    visible.insert("_sd".into(), json!(digests));
    visible.insert("_sd_alg".into(), "sha-256".into());
    let mut header = Map::new();
    header.insert("typ".into(), TYP.into());
    header.insert("kid".into(), key.kid().into());
    let mut out = jose::sign(header, &Value::Object(visible), key);
    out.push('~');
    for d in disclosures {
        out.push_str(&d);
        out.push('~');
    }
    Ok(out)
}

/// What a verifier expects of the key-binding JWT.
#[derive(Debug, Clone)]
pub struct KeyBinding<'a> {
    pub audience: &'a str,
    pub nonce: &'a str,
    /// Now, in seconds since the epoch.
    pub now: i64,
    /// How old the key-binding JWT may be, in seconds.
    pub max_age: i64,
}

/// A verified SD-JWT: the signing key and the claims with the disclosed ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub kid: String,
    pub claims: Map<String, Value>,
}

/// Splits `<jwt>~<d1>~...~<dn>~[<kb-jwt>]` into its parts.
fn split(sd_jwt: &str) -> Result<(&str, Vec<&str>, &str, &str), Invalid> {
    let sd_jwt = sd_jwt.trim();
    let last = sd_jwt.rfind('~').ok_or(Invalid::SdJwt("no ~ separator"))?;
    let (presented, kb) = (&sd_jwt[..=last], &sd_jwt[last + 1..]);
    let mut parts = presented[..last].split('~');
    let jwt = parts.next().unwrap_or_default();
    let disclosures: Vec<&str> = parts.collect();
    if disclosures.iter().any(|d| d.is_empty()) {
        return Err(Invalid::SdJwt("an empty disclosure"));
    }
    Ok((jwt, disclosures, presented, kb))
}

/// Decodes one disclosure: `[salt, name, value]`.
fn disclosure(text: &str) -> Result<(String, Value), Invalid> {
    match serde_json::from_slice(&unb64(text)?) {
        Ok(Value::Array(mut a)) if a.len() == 3 && a[0].is_string() && a[1].is_string() => {
            let value = a.pop().unwrap_or_default();
            let name = a.pop().and_then(|n| n.as_str().map(str::to_owned));
            Ok((name.unwrap_or_default(), value))
        }
        _ => Err(Invalid::SdJwt("a disclosure is not [salt, name, value]")),
    }
}

/// Keeps the disclosures of the named claims and adds a key-binding JWT
/// signed by `holder` (what a wallet does; used by tests and the bench).
pub fn present(
    sd_jwt: &str,
    keep: &[&str],
    holder: &SigningKey,
    audience: &str,
    nonce: &str,
    now: i64,
) -> Result<String, Invalid> {
    let (jwt, disclosures, _, _) = split(sd_jwt)?;
    let mut out = format!("{jwt}~");
    for d in disclosures {
        if keep.contains(&disclosure(d)?.0.as_str()) {
            out.push_str(d);
            out.push('~');
        }
    }
    let mut header = Map::new();
    header.insert("typ".into(), KB_TYP.into());
    let payload = json!({"iat": now, "aud": audience, "nonce": nonce, "sd_hash": hash(&out)});
    let kb = jose::sign(header, &payload, holder);
    Ok(out + &kb)
}

/// Verifies an SD-JWT VC (signature by a key of `keys`, digests, validity)
/// and, when `binding` is given, its key-binding JWT; returns the claims
/// with the disclosed ones in place of `_sd`.
pub fn verify(
    sd_jwt: &str,
    keys: &KeySet,
    now: i64,
    binding: Option<&KeyBinding>,
) -> Result<Verified, Invalid> {
    let (jwt, disclosures, presented, kb) = split(sd_jwt)?;
    let jws = Jws::parse(jwt)?;
    if jws.typ() != Some(TYP) {
        return Err(Invalid::SdJwt("typ is not dc+sd-jwt"));
    }
    let kid = jws.verify_in(keys)?;
    let mut claims = jws.payload;
    if claims.get("_sd_alg").is_some_and(|a| a != "sha-256") {
        return Err(Invalid::SdJwt("_sd_alg is not sha-256"));
    }
    let mut digests: Vec<String> = match claims.remove("_sd") {
        Some(Value::Array(d)) => d
            .into_iter()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    claims.remove("_sd_alg");
    for d in disclosures {
        let position = digests.iter().position(|x| *x == hash(d));
        // Removed once found: a disclosure presented twice is refused.
        let Some(position) = position else {
            return Err(Invalid::SdJwt("a disclosure is not signed by the issuer"));
        };
        digests.swap_remove(position);
        let (name, value) = disclosure(d)?;
        if name == "_sd" || name == "..." || claims.contains_key(&name) {
            return Err(Invalid::SdJwt("a disclosure overrides a claim"));
        }
        claims.insert(name, value);
    }
    let time = |name: &str| claims.get(name).and_then(Value::as_i64);
    if time("exp").is_some_and(|exp| exp <= now) {
        return Err(Invalid::SdJwt("expired"));
    }
    if time("nbf").is_some_and(|nbf| nbf > now + 60) {
        return Err(Invalid::SdJwt("not yet valid"));
    }
    if let Some(expected) = binding {
        check_binding(kb, presented, &claims, expected)?;
    }
    Ok(Verified { kid, claims })
}

fn check_binding(
    kb: &str,
    presented: &str,
    claims: &Map<String, Value>,
    expected: &KeyBinding,
) -> Result<(), Invalid> {
    if kb.is_empty() {
        return Err(Invalid::KeyBinding("no key-binding JWT"));
    }
    let holder = public_jwk(claims.get("cnf").and_then(|c| c.get("jwk")))
        .map_err(|_| Invalid::KeyBinding("the credential names no holder key (cnf.jwk)"))?;
    let kb = Jws::parse(kb)?;
    if kb.typ() != Some(KB_TYP) {
        return Err(Invalid::KeyBinding("typ is not kb+jwt"));
    }
    kb.verify_with(&holder)
        .map_err(|_| Invalid::KeyBinding("not signed by the holder's key"))?;
    if kb.claim("aud") != Some(expected.audience) {
        return Err(Invalid::KeyBinding("for another audience"));
    }
    if kb.claim("nonce") != Some(expected.nonce) {
        return Err(Invalid::KeyBinding("for another nonce"));
    }
    let iat = kb.payload.get("iat").and_then(Value::as_i64).unwrap_or(0);
    if iat < expected.now - expected.max_age || iat > expected.now + 60 {
        return Err(Invalid::KeyBinding("iat out of range"));
    }
    if kb.claim("sd_hash") != Some(hash(presented).as_str()) {
        return Err(Invalid::KeyBinding(
            "sd_hash does not match the presentation",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
