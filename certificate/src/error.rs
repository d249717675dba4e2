//! Why a token is not accepted, and why a key cannot be used.

/// Why a certificate or status list token is INVALID. The message is safe to
/// show: it names the check that failed, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the token is not base64url")]
    NotBase64,
    #[error("the token is not a COSE_Sign1 structure")]
    NotCose,
    #[error("the token is not a JWS in compact form")]
    NotJws,
    #[error("the token is not signed with ES256")]
    Algorithm,
    #[error("the token names no key id")]
    NoKeyId,
    #[error("the token is signed with an unknown key")]
    UnknownKey,
    #[error("the signature does not match")]
    Signature,
    #[error("the token has no payload")]
    NoPayload,
    #[error("the payload is not a valid claims set: {0}")]
    Claims(&'static str),
    #[error("the status list is malformed: {0}")]
    StatusList(&'static str),
    #[error("the JWS is malformed: {0}")]
    Jws(&'static str),
    #[error("the SD-JWT is not acceptable: {0}")]
    SdJwt(&'static str),
    #[error("the key binding is not acceptable: {0}")]
    KeyBinding(&'static str),
}

/// Why a key cannot be read or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM-encoded PKCS#8 private key")]
    Pem,
    #[error("not a P-256 (prime256v1) PKCS#8 key: {0}")]
    Pkcs8(String),
    #[error("not a P-256 public JWK: {0}")]
    Jwk(&'static str),
    #[error("random source failed")]
    Random,
}
