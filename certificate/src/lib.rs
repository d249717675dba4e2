//! Digital qualification certificates, pure: the claims a certificate
//! carries (a CBOR Web Token), its COSE_Sign1 signature (ES256 on P-256, the
//! key id in the protected header), the verification keys as a JWK Set, and
//! the IETF OAuth Token Status List (CWT and JWT forms) that revokes or
//! suspends certificates and wallet credentials, and the wallet form: SD-JWT
//! VCs (JOSE, ES256) and OpenID4VCI key proofs.
//! No I/O: keys come in as PEM text, tokens as bytes.

pub mod claims;
pub mod encoding;
pub mod endorsement;
pub mod error;
pub mod jose;
pub mod key_proof;
pub mod keys;
pub mod sd_jwt;
pub mod status_list;
pub mod status_list_token;
pub mod token;
pub mod verdict;
pub mod wallet_credential;

pub use claims::{CertificateFacts, Claims, StatusReference};
pub use endorsement::EndorsementFact;
pub use error::{Invalid, KeyError};
pub use keys::{Jwk, JwkSet, KeySet, SigningKey};
pub use status_list::{Status, StatusList};
pub use status_list_token::StatusListToken;
pub use verdict::{verify_certificate, Verdict};
