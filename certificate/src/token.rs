//! COSE_Sign1 (RFC 9052) with ES256: the key id in the protected header, the
//! CBOR claims set as payload, no external data.

use ciborium::Value;
use coset::{
    iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, Label,
    TaggedCborSerializable,
};

use crate::{Claims, Invalid, KeySet, SigningKey};

/// The COSE `typ` header parameter (RFC 9596).
const TYP: i64 = 16;

/// A verified COSE_Sign1: who signed and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub kid: String,
    pub typ: Option<String>,
    pub payload: Vec<u8>,
}

/// Signs a payload as a tagged COSE_Sign1 with `key`, optionally typed.
pub fn sign(payload: Vec<u8>, key: &SigningKey, typ: Option<&str>) -> Vec<u8> {
    let mut header = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(key.kid().as_bytes().to_vec());
    if let Some(typ) = typ {
        header = header.value(TYP, Value::Text(typ.to_owned()));
    }
    CoseSign1Builder::new()
        .protected(header.build())
        .payload(payload)
        .create_signature(b"", |to_be_signed| key.sign(to_be_signed))
        .build()
        .to_tagged_vec()
        // Serialising a structure we just built into memory does not fail.
        .unwrap_or_default()
}

/// Checks a COSE_Sign1 (tagged or not) against `keys`: ES256 only, the key
/// id from the protected header only, the signature over the original bytes.
pub fn verify(bytes: &[u8], keys: &KeySet) -> Result<Signed, Invalid> {
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|_| Invalid::NotCose)?;
    let header = &sign1.protected.header;
    if header.alg != Some(coset::Algorithm::Assigned(iana::Algorithm::ES256)) {
        return Err(Invalid::Algorithm);
    }
    let kid = std::str::from_utf8(&header.key_id)
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or(Invalid::NoKeyId)?
        .to_owned();
    if !keys.contains(&kid) {
        return Err(Invalid::UnknownKey);
    }
    sign1.verify_signature(b"", |signature, to_be_signed| {
        match keys.verify(&kid, to_be_signed, signature) {
            Some(true) => Ok(()),
            _ => Err(Invalid::Signature),
        }
    })?;
    let typ = header.rest.iter().find_map(|(label, value)| match label {
        Label::Int(TYP) => value.as_text().map(str::to_owned),
        _ => None,
    });
    Ok(Signed {
        kid,
        typ,
        payload: sign1.payload.clone().ok_or(Invalid::NoPayload)?,
    })
}

/// A signed certificate token (COSE_Sign1 bytes).
pub fn sign_certificate(claims: &Claims, key: &SigningKey) -> Vec<u8> {
    sign(claims.to_cbor(), key, None)
}

/// The claims of a genuine certificate token and the id of the key that signed it.
pub fn verify_certificate_token(bytes: &[u8], keys: &KeySet) -> Result<(Claims, String), Invalid> {
    let signed = verify(bytes, keys)?;
    if signed.typ.is_some() {
        // A status list token (or anything else typed) is not a certificate.
        return Err(Invalid::Claims("typ"));
    }
    Ok((Claims::from_cbor(&signed.payload)?, signed.kid))
}

/// The claims of a token without checking its signature: only to find out
/// where to fetch keys from, never to show as verified.
pub fn read_unverified(bytes: &[u8]) -> Result<Claims, Invalid> {
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|_| Invalid::NotCose)?;
    Claims::from_cbor(sign1.payload.as_deref().ok_or(Invalid::NoPayload)?)
}
