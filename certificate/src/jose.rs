//! Compact JWS (RFC 7515) with ES256 only: what SD-JWT VCs, key-binding JWTs
//! and OpenID4VCI key proofs are made of.

use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde_json::{Map, Value};

use crate::encoding::{b64, unb64};
use crate::keys::PublicKey;
use crate::{Invalid, KeySet, SigningKey};

/// Signs `payload` under `header` (whose `alg` is set to ES256) as a compact JWS.
pub fn sign(mut header: Map<String, Value>, payload: &Value, key: &SigningKey) -> String {
    header.insert("alg".into(), "ES256".into());
    let input = format!(
        "{}.{}",
        b64(Value::Object(header).to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let signature = b64(&key.sign(input.as_bytes()));
    format!("{input}.{signature}")
}

/// A compact JWS split and decoded, its signature not yet checked.
#[derive(Debug, Clone)]
pub struct Jws {
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jws {
    /// Splits and decodes a compact JWS; only ES256 is accepted.
    pub fn parse(compact: &str) -> Result<Jws, Invalid> {
        let mut parts = compact.trim().split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Invalid::Jws("not three dot-separated parts"));
        };
        let object = |part: &str| -> Result<Map<String, Value>, Invalid> {
            match serde_json::from_slice(&unb64(part)?) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(Invalid::Jws("a part is not a JSON object")),
            }
        };
        let header = object(h)?;
        if header.get("alg").and_then(Value::as_str) != Some("ES256") {
            return Err(Invalid::Algorithm);
        }
        Ok(Jws {
            payload: object(p)?,
            header,
            signing_input: format!("{h}.{p}"),
            signature: unb64(s)?,
        })
    }

    /// The header's `typ`.
    pub fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// A string claim of the payload.
    pub fn claim(&self, name: &str) -> Option<&str> {
        self.payload.get(name).and_then(Value::as_str)
    }

    /// Checks the signature with one public key.
    pub fn verify_with(&self, key: &PublicKey) -> Result<(), Invalid> {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.to_sec1())
            .verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| Invalid::Signature)
    }

    /// Checks the signature with the key its `kid` names in `keys`.
    pub fn verify_in(&self, keys: &KeySet) -> Result<String, Invalid> {
        let kid = self
            .header
            .get("kid")
            .and_then(Value::as_str)
            .ok_or(Invalid::NoKeyId)?;
        match keys.verify(kid, self.signing_input.as_bytes(), &self.signature) {
            Some(true) => Ok(kid.to_owned()),
            Some(false) => Err(Invalid::Signature),
            None => Err(Invalid::UnknownKey),
        }
    }
}

/// A public JWK in a header or `cnf` claim, as a P-256 key; a JWK carrying
/// a private part (`d`) is refused.
pub fn public_jwk(value: Option<&Value>) -> Result<PublicKey, Invalid> {
    let value = value.ok_or(Invalid::Jws("no jwk"))?;
    if value.get("d").is_some() {
        return Err(Invalid::Jws("the jwk holds a private key"));
    }
    let text = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default();
    let jwk = crate::Jwk {
        kty: text("kty").into(),
        crv: text("crv").into(),
        x: text("x").into(),
        y: text("y").into(),
        kid: String::new(),
        alg: None,
        key_use: None,
    };
    PublicKey::from_jwk(&jwk).map_err(|_| Invalid::Jws("the jwk is not a P-256 public key"))
}

/// The JWK members of a public key (no kid), for `cnf` and proof headers.
pub fn jwk_value(key: &PublicKey) -> Value {
    let jwk = key.to_jwk();
    serde_json::json!({"kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "y": jwk.y})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signs_and_verifies_and_refuses_tampering() {
        let (key, _) = SigningKey::generate().unwrap();
        let mut header = Map::new();
        header.insert("kid".into(), key.kid().into());
        let jws = sign(header, &json!({"a": 1}), &key);
        let parsed = Jws::parse(&jws).unwrap();
        parsed.verify_with(&key.public_key()).unwrap();
        let mut keys = KeySet::default();
        keys.insert(&key.public_key());
        assert_eq!(parsed.verify_in(&keys).unwrap(), key.kid());
        let forged = jws.replacen(".ey", ".eyJ", 1);
        assert!(Jws::parse(&forged)
            .and_then(|j| j.verify_with(&key.public_key()))
            .is_err());
        let (other, _) = SigningKey::generate().unwrap();
        assert_eq!(
            parsed.verify_with(&other.public_key()),
            Err(Invalid::Signature)
        );
        assert!(public_jwk(Some(&jwk_value(&key.public_key()))).is_ok());
        assert!(public_jwk(Some(
            &json!({"kty": "EC", "crv": "P-256", "x": "", "y": "", "d": "x"})
        ))
        .is_err());
    }
}
