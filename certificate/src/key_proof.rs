//! The OpenID4VCI key proof (`openid4vci-proof+jwt`): a JWT signed by the
//! wallet's key, carrying that key (`jwk` header), the credential issuer as
//! audience and the issuer's nonce. Proves the wallet holds the key the
//! credential is bound to.

use serde_json::Value;

use crate::jose::{public_jwk, Jws};
use crate::keys::PublicKey;
use crate::Invalid;

/// The `typ` of a key proof.
pub const TYP: &str = "openid4vci-proof+jwt";

/// How far a proof's `iat` may lie from now, in seconds.
const IAT_WINDOW: i64 = 300;

/// A checked key proof: the wallet's key and the nonce it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProof {
    pub key: PublicKey,
    pub nonce: String,
}

/// Checks a key proof's type, signature (by its own `jwk`), audience and
/// age. The nonce is returned for the caller to check against those it issued.
pub fn verify(jwt: &str, audience: &str, now: i64) -> Result<KeyProof, Invalid> {
    let jws = Jws::parse(jwt)?;
    if jws.typ() != Some(TYP) {
        return Err(Invalid::KeyBinding("typ is not openid4vci-proof+jwt"));
    }
    let key = public_jwk(jws.header.get("jwk"))?;
    jws.verify_with(&key)?;
    let aud_ok = match jws.payload.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(a)) => a.iter().any(|a| a == audience),
        _ => false,
    };
    if !aud_ok {
        return Err(Invalid::KeyBinding(
            "the audience is not this credential issuer",
        ));
    }
    let iat = jws.payload.get("iat").and_then(Value::as_i64);
    if iat.is_none_or(|iat| (iat - now).abs() > IAT_WINDOW) {
        return Err(Invalid::KeyBinding("iat missing or out of range"));
    }
    let nonce = jws
        .claim("nonce")
        .ok_or(Invalid::KeyBinding("no nonce"))?
        .to_owned();
    Ok(KeyProof { key, nonce })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{jwk_value, sign};
    use crate::SigningKey;
    use serde_json::{json, Map};

    fn proof(key: &SigningKey, typ: &str, aud: &str, iat: i64) -> String {
        let mut header = Map::new();
        header.insert("typ".into(), typ.into());
        header.insert("jwk".into(), jwk_value(&key.public_key()));
        sign(header, &json!({"aud": aud, "iat": iat, "nonce": "n"}), key)
    }

    #[test]
    fn a_proof_names_the_key_and_nonce_and_is_refused_when_off() {
        let (key, _) = SigningKey::generate().unwrap();
        let ok = verify(
            &proof(&key, TYP, "https://i.test", 100),
            "https://i.test",
            100,
        )
        .unwrap();
        assert_eq!(ok.key, key.public_key());
        assert_eq!(ok.nonce, "n");
        assert!(verify(
            &proof(&key, TYP, "https://other.test", 100),
            "https://i.test",
            100
        )
        .is_err());
        assert!(verify(
            &proof(&key, "JWT", "https://i.test", 100),
            "https://i.test",
            100
        )
        .is_err());
        assert!(verify(
            &proof(&key, TYP, "https://i.test", 100),
            "https://i.test",
            1000
        )
        .is_err());
        let p = proof(&key, TYP, "https://i.test", 100);
        let (head, _) = p.rsplit_once('.').unwrap();
        let (other, _) = SigningKey::generate().unwrap();
        let resigned = format!(
            "{head}.{}",
            crate::encoding::b64(&other.sign(head.as_bytes()))
        );
        assert_eq!(
            verify(&resigned, "https://i.test", 100).unwrap_err(),
            Invalid::Signature
        );
    }
}
