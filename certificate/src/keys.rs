//! Signing keys (PKCS#8 PEM) and verification keys (JWK, RFC 7517/7518),
//! identified by their RFC 7638 thumbprint.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use serde::{Deserialize, Serialize};

use crate::encoding::{b64, unb64};
use crate::KeyError;

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// A P-256 private key that signs certificates and status lists.
pub struct SigningKey {
    pair: EcdsaKeyPair,
    kid: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// A new random key and its PKCS#8 PEM text (to store or hand to an operator).
    pub fn generate() -> Result<(SigningKey, String), KeyError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::Random)?;
        let pem = to_pem(doc.as_ref());
        Ok((Self::from_pkcs8(doc.as_ref())?, pem))
    }

    /// Reads a PKCS#8 PEM private key (`openssl genpkey -algorithm EC
    /// -pkeyopt ec_paramgen_curve:P-256` writes one).
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let start = pem.find(PEM_BEGIN).ok_or(KeyError::Pem)? + PEM_BEGIN.len();
        let end = pem[start..].find(PEM_END).ok_or(KeyError::Pem)? + start;
        let body: String = pem[start..end].split_whitespace().collect();
        let der = STANDARD.decode(body).map_err(|_| KeyError::Pem)?;
        Self::from_pkcs8(&der)
    }

    fn from_pkcs8(der: &[u8]) -> Result<SigningKey, KeyError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
            .map_err(|e| KeyError::Pkcs8(e.to_string()))?;
        let kid = PublicKey::from_sec1(pair.public_key().as_ref())?.thumbprint();
        Ok(SigningKey { pair, kid, rng })
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_sec1(self.pair.public_key().as_ref())
            .unwrap_or_else(|_| unreachable!("ring returns uncompressed P-256 points"))
    }

    /// An ES256 signature (r || s, 64 bytes) over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self.pair.sign(&self.rng, message) {
            Ok(signature) => signature.as_ref().to_vec(),
            // Only a broken system random source fails here; an empty
            // signature then fails every verification instead of panicking.
            Err(_) => Vec::new(),
        }
    }
}

fn to_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from(PEM_BEGIN);
    pem.push('\n');
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}

/// A P-256 public key by its affine coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    x: [u8; 32],
    y: [u8; 32],
}

impl PublicKey {
    /// From an uncompressed SEC1 point (0x04 || x || y).
    pub fn from_sec1(point: &[u8]) -> Result<PublicKey, KeyError> {
        if point.len() != 65 || point[0] != 4 {
            return Err(KeyError::Jwk("not an uncompressed P-256 point"));
        }
        let mut x = [0; 32];
        let mut y = [0; 32];
        x.copy_from_slice(&point[1..33]);
        y.copy_from_slice(&point[33..]);
        Ok(PublicKey { x, y })
    }

    /// The uncompressed SEC1 point.
    pub fn to_sec1(&self) -> Vec<u8> {
        let mut point = Vec::with_capacity(65);
        point.push(4);
        point.extend_from_slice(&self.x);
        point.extend_from_slice(&self.y);
        point
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn thumbprint(&self) -> String {
        // Members in lexicographic order, no whitespace, as RFC 7638 requires.
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            b64(&self.x),
            b64(&self.y)
        );
        b64(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref())
    }

    /// As a JWK under its thumbprint.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: b64(&self.x),
            y: b64(&self.y),
            kid: self.thumbprint(),
            alg: Some("ES256".into()),
            key_use: Some("sig".into()),
        }
    }

    /// From a JWK (its kid is not trusted: the thumbprint is recomputed).
    pub fn from_jwk(jwk: &Jwk) -> Result<PublicKey, KeyError> {
        if jwk.kty != "EC" || jwk.crv != "P-256" {
            return Err(KeyError::Jwk("kty must be EC and crv P-256"));
        }
        let coordinate = |c: &str| -> Result<[u8; 32], KeyError> {
            unb64(c)
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or(KeyError::Jwk("x and y must be 32 bytes of base64url"))
        };
        Ok(PublicKey {
            x: coordinate(&jwk.x)?,
            y: coordinate(&jwk.y)?,
        })
    }
}

/// One verification key as published (RFC 7517).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub y: String,
    pub kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
}

/// A JWK Set: `{"keys": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// Verification keys by key id, ready for signature checks.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, Vec<u8>>,
}

impl KeySet {
    /// Adds a public key under its thumbprint.
    pub fn insert(&mut self, key: &PublicKey) {
        self.keys.insert(key.thumbprint(), key.to_sec1());
    }

    /// The keys of a JWK Set. A key whose kid is not its thumbprint is
    /// refused: a kid must not be re-pointed at another key.
    pub fn from_jwks(set: &JwkSet) -> Result<KeySet, KeyError> {
        let mut keys = KeySet::default();
        for jwk in &set.keys {
            let key = PublicKey::from_jwk(jwk)?;
            if key.thumbprint() != jwk.kid {
                return Err(KeyError::Jwk("kid is not the key's RFC 7638 thumbprint"));
            }
            keys.insert(&key);
        }
        Ok(keys)
    }

    /// Whether the set holds a key of this id.
    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    /// Checks an ES256 signature with the key `kid`; None when the kid is unknown.
    pub fn verify(&self, kid: &str, message: &[u8], signature: &[u8]) -> Option<bool> {
        let point = self.keys.get(kid)?;
        Some(
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(message, signature)
                .is_ok(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_keeps_the_kid_and_signs_verifiably() {
        let (key, pem) = SigningKey::generate().unwrap();
        let again = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(key.kid(), again.kid());
        assert_eq!(key.kid().len(), 43);
        let mut set = KeySet::default();
        set.insert(&key.public_key());
        let sig = again.sign(b"message");
        assert_eq!(set.verify(key.kid(), b"message", &sig), Some(true));
        assert_eq!(set.verify(key.kid(), b"messagf", &sig), Some(false));
        assert_eq!(set.verify("other", b"message", &sig), None);
        assert!(!format!("{key:?}").contains("BEGIN"));
    }

    #[test]
    fn jwk_round_trip_and_bad_jwks() {
        let (key, _) = SigningKey::generate().unwrap();
        let jwk = key.public_key().to_jwk();
        assert_eq!(jwk.kid, key.kid());
        let set = JwkSet {
            keys: vec![jwk.clone()],
        };
        assert!(KeySet::from_jwks(&set).unwrap().contains(key.kid()));
        let mut relabelled = jwk.clone();
        relabelled.kid = "another".into();
        assert!(KeySet::from_jwks(&JwkSet {
            keys: vec![relabelled]
        })
        .is_err());
        let mut short = jwk;
        short.x = "AAAA".into();
        assert!(PublicKey::from_jwk(&short).is_err());
        assert!(SigningKey::from_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
        )
        .is_err());
        assert!(SigningKey::from_pem("hello").is_err());
    }
}
