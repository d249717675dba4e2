//! The IETF OAuth Token Status List (draft-ietf-oauth-status-list), CWT form:
//! one bit per certificate (1 = revoked), index 0 in the least significant
//! bit of the first byte, the byte array zlib-compressed in `lst`, the whole
//! signed as a COSE_Sign1 typed `application/statuslist+cwt`.

use std::io::{Read, Write};

use ciborium::Value;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;

use crate::claims::{encode, find, ClaimMap};
use crate::{token, Invalid, KeySet, SigningKey};

/// The `typ` of a status list token.
pub const STATUS_LIST_TYP: &str = "application/statuslist+cwt";
const SUB: i64 = 2;
const EXP: i64 = 4;
const IAT: i64 = 6;
const TTL: i64 = 65534;
const STATUS_LIST: i64 = 65533;
/// A decompressed list larger than this is refused (a zlib bomb).
const MAX_BYTES: u64 = 16 << 20;

/// One status bit per index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list covering indexes `0..len` (rounded up to whole bytes), none revoked.
    pub fn new(len: u64) -> StatusList {
        StatusList {
            bytes: vec![0; len.div_ceil(8) as usize],
        }
    }

    /// Marks `idx` revoked, growing the list when needed.
    pub fn revoke(&mut self, idx: u64) {
        let byte = (idx / 8) as usize;
        if byte >= self.bytes.len() {
            self.bytes.resize(byte + 1, 0);
        }
        self.bytes[byte] |= 1 << (idx % 8);
    }

    /// Whether `idx` is revoked; None when the list does not cover it.
    pub fn is_revoked(&self, idx: u64) -> Option<bool> {
        let byte = self.bytes.get(usize::try_from(idx / 8).ok()?)?;
        Some(byte & (1 << (idx % 8)) != 0)
    }

    /// How many indexes the list covers.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Whether the list covers no index.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The zlib-compressed byte array (`lst`).
    pub fn compress(&self) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        // Writing into memory does not fail.
        let _ = encoder.write_all(&self.bytes);
        encoder.finish().unwrap_or_default()
    }

    /// The list from `lst`.
    pub fn decompress(lst: &[u8]) -> Result<StatusList, Invalid> {
        let mut bytes = Vec::new();
        ZlibDecoder::new(lst)
            .take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| Invalid::StatusList("lst is not zlib"))?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(Invalid::StatusList("lst is too large"));
        }
        Ok(StatusList { bytes })
    }
}

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

impl StatusListToken {
    /// Signs the token with `key`.
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
                (Value::Text("bits".into()), int(1)),
                (
                    Value::Text("lst".into()),
                    Value::Bytes(self.list.compress()),
                ),
            ]),
        ));
        token::sign(encode(&Value::Map(claims)), key, Some(STATUS_LIST_TYP))
    }

    /// Checks the signature and type and reads the list.
    pub fn verify(bytes: &[u8], keys: &KeySet) -> Result<StatusListToken, Invalid> {
        let signed = token::verify(bytes, keys)?;
        if signed.typ.as_deref() != Some(STATUS_LIST_TYP) {
            return Err(Invalid::StatusList("typ is not application/statuslist+cwt"));
        }
        let map = ClaimMap::parse(&signed.payload)?;
        let int = |i: i64| Value::Integer(i.into());
        let list = map.map_at(&int(STATUS_LIST), "status_list")?;
        let bits = find(list, &Value::Text("bits".into())).and_then(Value::as_integer);
        if bits != Some(1.into()) {
            return Err(Invalid::StatusList("only bits = 1 is supported"));
        }
        let lst = find(list, &Value::Text("lst".into()))
            .and_then(Value::as_bytes)
            .ok_or(Invalid::StatusList("lst"))?;
        Ok(StatusListToken {
            subject: map.text_at(&int(SUB), "sub")?,
            issued_at: map.int_at(&int(IAT), "iat")?,
            expires_at: map.int_at(&int(EXP), "exp").ok(),
            ttl: map.int_at(&int(TTL), "ttl").ok(),
            list: StatusList::decompress(lst)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_least_significant_first_as_in_the_draft() {
        // The draft's example: statuses 1,0,0,1,1,1,0,1 at 0..8 give 0xB9.
        let mut list = StatusList::new(16);
        for idx in [0, 3, 4, 5, 7] {
            list.revoke(idx);
        }
        assert_eq!(list.bytes[0], 0xB9);
        assert_eq!(list.is_revoked(3), Some(true));
        assert_eq!(list.is_revoked(1), Some(false));
        assert_eq!(list.is_revoked(16), None);
        list.revoke(100);
        assert_eq!(list.len(), 104);
        let back = StatusList::decompress(&list.compress()).unwrap();
        assert_eq!(back, list);
    }

    #[test]
    fn a_signed_list_verifies_and_a_zlib_bomb_does_not() {
        let (key, _) = SigningKey::generate().unwrap();
        let mut keys = KeySet::default();
        keys.insert(&key.public_key());
        let mut list = StatusList::new(10_000);
        list.revoke(9_999);
        let token = StatusListToken {
            subject: "https://x.test/v1/certificate-status-list".into(),
            issued_at: 1,
            expires_at: Some(2),
            ttl: Some(60),
            list,
        };
        let bytes = token.sign(&key);
        assert_eq!(StatusListToken::verify(&bytes, &keys).unwrap(), token);
        let mut forged = bytes.clone();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        assert!(StatusListToken::verify(&forged, &keys).is_err());
        let bomb = StatusList {
            bytes: vec![0; (MAX_BYTES + 1) as usize],
        };
        assert!(StatusList::decompress(&bomb.compress()).is_err());
    }
}
