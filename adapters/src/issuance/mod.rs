//! Wallet credential issuance (OpenID4VCI, pre-authorized code flow) on the
//! persistence side: offers with their single-use codes and transaction
//! codes, access tokens, nonces, and the record of every credential issued.
//! Secrets are stored as SHA-256 digests only.

pub mod credentials;
pub mod offers;

use certificate::encoding::b64;
use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long an offer can be redeemed.
pub const OFFER_LIFETIME: Duration = Duration::minutes(10);
/// How long an access token and a nonce can be used.
pub const TOKEN_LIFETIME: Duration = Duration::minutes(5);
/// Wrong transaction codes that lock an offer.
pub const MAX_TX_CODE_TRIES: i32 = 5;
/// Digits of a transaction code.
pub const TX_CODE_LENGTH: usize = 6;

/// The stored digest of a secret.
pub(crate) fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// 256 random bits as base64url: codes, tokens and nonces.
pub(crate) fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    b64(&bytes)
}
