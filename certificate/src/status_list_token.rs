//! The signed Status List Token in both forms the draft defines: a CWT
//! (COSE_Sign1, `application/statuslist+cwt`) and a JWT (JWS ES256,
//! `application/statuslist+jwt`), signed with the same key, `kid` in the header.

use ciborium::Value;
use serde::{Deserialize, Serialize};

use crate::claims::{encode, find, ClaimMap};
use crate::encoding::{b64, unb64};
use crate::{token, Invalid, KeySet, SigningKey, StatusList};

/// The `typ` of a status list CWT (its media type).
pub const STATUS_LIST_TYP: &str = "application/statuslist+cwt";
/// The media type of a status list JWT.
pub const STATUS_LIST_JWT_MEDIA_TYPE: &str = "application/statuslist+jwt";
/// The JWT `typ` header (the media type without `application/`, RFC 7515).
const JWT_TYP: &str = "statuslist+jwt";
const SUB: i64 = 2;
const EXP: i64 = 4;
const IAT: i64 = 6;
const TTL: i64 = 65534;
const STATUS_LIST: i64 = 65533;

/// A Status List Token: the list, where it is published and for how long it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListToken {
    /// The list's URI (`sub`), the `uri` certificates refer to.
    pub subject: String,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    /// Seconds a verifier may cache the list before fetching it again.
    pub ttl: Option<i64>,
    pub list: StatusList,
}

#[derive(Serialize, Deserialize)]
struct JwtHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct JwtList {
    bits: u8,
    lst: String,
}

#[derive(Serialize, Deserialize)]
struct JwtPayload {
    sub: String,
    iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
    status_list: JwtList,
}

impl StatusListToken {
    /// Signs the token as a CWT with `key`.
    pub fn sign(&self, key: &SigningKey) -> Vec<u8> {
        let int = |i: i64| Value::Integer(i.into());
        let mut claims = vec![
            (int(SUB), Value::Text(self.subject.clone())),
            (int(IAT), int(self.issued_at)),
        ];
        if let Some(exp) = self.expires_at {
            claims.push((int(EXP), int(exp)));
        }
        if let Some(ttl) = self.ttl {
            claims.push((int(TTL), int(ttl)));
        }
        claims.push((
            int(STATUS_LIST),
            Value::Map(vec![
                (Value::Text("bits".into()), int(self.list.bits().into())),
                (
                    Value::Text("lst".into()),
                    Value::Bytes(self.list.compress()),
                ),
            ]),
        ));
        token::sign(encode(&Value::Map(claims)), key, Some(STATUS_LIST_TYP))
    }

    /// Checks a CWT's signature and type and reads the list.
    pub fn verify(bytes: &[u8], keys: &KeySet) -> Result<StatusListToken, Invalid> {
        let signed = token::verify(bytes, keys)?;
        if signed.typ.as_deref() != Some(STATUS_LIST_TYP) {
            return Err(Invalid::StatusList("typ is not application/statuslist+cwt"));
        }
        let map = ClaimMap::parse(&signed.payload)?;
        let int = |i: i64| Value::Integer(i.into());
        let list = map.map_at(&int(STATUS_LIST), "status_list")?;
        let bits = find(list, &Value::Text("bits".into()))
            .and_then(Value::as_integer)
            .and_then(|b| u8::try_from(b).ok())
            .ok_or(Invalid::StatusList("bits"))?;
        let lst = find(list, &Value::Text("lst".into()))
            .and_then(Value::as_bytes)
            .ok_or(Invalid::StatusList("lst"))?;
        Ok(StatusListToken {
            subject: map.text_at(&int(SUB), "sub")?,
            issued_at: map.int_at(&int(IAT), "iat")?,
            expires_at: map.int_at(&int(EXP), "exp").ok(),
            ttl: map.int_at(&int(TTL), "ttl").ok(),
            list: StatusList::decompress(bits, lst)?,
        })
    }

    /// Signs the token as a compact JWS (ES256, `kid` and `typ` in the header).
    pub fn sign_jwt(&self, key: &SigningKey) -> String {
        let header = JwtHeader {
            alg: "ES256".into(),
            kid: Some(key.kid().to_owned()),
            typ: Some(JWT_TYP.into()),
        };
        let payload = JwtPayload {
            sub: self.subject.clone(),
            iat: self.issued_at,
            exp: self.expires_at,
            ttl: self.ttl,
            status_list: JwtList {
                bits: self.list.bits(),
                lst: b64(&self.list.compress()),
            },
        };
        // Serialising plain structs to JSON does not fail.
        let part = |v: Vec<u8>| b64(&v);
        let signing_input = format!(
            "{}.{}",
            part(serde_json::to_vec(&header).unwrap_or_default()),
            part(serde_json::to_vec(&payload).unwrap_or_default())
        );
        let signature = key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&signature))
    }

    /// Checks a JWT's signature (ES256, the header's `kid`) and type and reads the list.
    pub fn verify_jwt(jwt: &str, keys: &KeySet) -> Result<StatusListToken, Invalid> {
        let jwt = jwt.trim();
        let mut parts = jwt.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Invalid::NotJws);
        };
        let header: JwtHeader = unb64(header)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or(Invalid::NotJws)?;
        if header.alg != "ES256" {
            return Err(Invalid::Algorithm);
        }
        let kid = header
            .kid
            .filter(|k| !k.is_empty())
            .ok_or(Invalid::NoKeyId)?;
        let signed = &jwt[..jwt.len() - signature.len() - 1];
        match keys.verify(&kid, signed.as_bytes(), &unb64(signature)?) {
            None => return Err(Invalid::UnknownKey),
            Some(false) => return Err(Invalid::Signature),
            Some(true) => {}
        }
        if header.typ.as_deref() != Some(JWT_TYP) {
            return Err(Invalid::StatusList("typ is not statuslist+jwt"));
        }
        let payload: JwtPayload = unb64(payload)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or(Invalid::Claims("the JWT payload is not a status list"))?;
        Ok(StatusListToken {
            subject: payload.sub,
            issued_at: payload.iat,
            expires_at: payload.exp,
            ttl: payload.ttl,
            list: StatusList::decompress(
                payload.status_list.bits,
                &unb64(&payload.status_list.lst)?,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    fn signed_pair() -> (SigningKey, KeySet, StatusListToken) {
        let (key, _) = SigningKey::generate().unwrap();
        let mut keys = KeySet::default();
        keys.insert(&key.public_key());
        let mut list = StatusList::new(131_072);
        list.set(9_999, Status::Invalid);
        list.set(131_071, Status::Suspended);
        let token = StatusListToken {
            subject: "https://x.test/v1/status-lists/2".into(),
            issued_at: 1,
            expires_at: Some(2),
            ttl: Some(60),
            list,
        };
        (key, keys, token)
    }

    #[test]
    fn a_signed_cwt_list_verifies_and_a_tampered_one_does_not() {
        let (key, keys, token) = signed_pair();
        let bytes = token.sign(&key);
        assert_eq!(StatusListToken::verify(&bytes, &keys).unwrap(), token);
        let mut forged = bytes.clone();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        assert!(StatusListToken::verify(&forged, &keys).is_err());
    }

    #[test]
    fn a_signed_jwt_list_verifies_and_a_tampered_one_does_not() {
        let (key, keys, token) = signed_pair();
        let jwt = token.sign_jwt(&key);
        let back = StatusListToken::verify_jwt(&jwt, &keys).unwrap();
        assert_eq!(back, token);
        assert_eq!(back.list.status(131_071), Some(Status::Suspended));
        // Another payload under the same signature is refused.
        let parts: Vec<&str> = jwt.split('.').collect();
        let (other_key, other_keys, _) = signed_pair();
        let other = StatusListToken {
            subject: "https://x.test/evil".into(),
            ..token.clone()
        }
        .sign_jwt(&other_key);
        let swapped = format!(
            "{}.{}.{}",
            parts[0],
            other.split('.').nth(1).unwrap(),
            parts[2]
        );
        assert_eq!(
            StatusListToken::verify_jwt(&swapped, &keys),
            Err(Invalid::Signature)
        );
        assert_eq!(
            StatusListToken::verify_jwt(&jwt, &other_keys),
            Err(Invalid::UnknownKey)
        );
        assert_eq!(
            StatusListToken::verify_jwt("a.b", &keys),
            Err(Invalid::NotJws)
        );
    }
}
