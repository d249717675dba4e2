//! The qualification as a wallet credential: SD-JWT VC issued over
//! OpenID4VCI 1.0 with the pre-authorized code flow.
//!
//! - [`offer`]: the holder asks for an offer (`POST
//!   /v1/registrations/{id}/credential-offers`) and lists their wallet
//!   credentials; the transaction code goes to their inbox and mail;
//! - [`metadata`]: the credential issuer's and authorization server's
//!   metadata and each credential type's metadata (outside the /v1 spec:
//!   their shapes are fixed by OpenID4VCI, RFC 8414 and SD-JWT VC);
//! - [`protocol`]: the token, nonce and credential endpoints (OAuth-style
//!   JSON errors, as wallets expect);
//! - [`standing`]: the registration's certificates and wallet credentials
//!   and where each stands, for the holder and staff.

pub mod metadata;
pub mod offer;
pub mod protocol;
pub mod standing;

use domain::catalogue::Qualification;

use crate::AppState;

/// The pre-authorized code grant type.
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// The credential issuer identifier: the public URL.
pub fn issuer(state: &AppState) -> String {
    state
        .certificates
        .public_url
        .trim_end_matches('/')
        .to_owned()
}

/// The credential configuration id of a qualification.
pub fn configuration_id(qualification_code: &str) -> String {
    format!("{qualification_code}_sd_jwt_vc")
}

/// The qualification a configuration id names.
pub fn configured<'a>(state: &'a AppState, configuration_id: &str) -> Option<&'a Qualification> {
    let code = configuration_id.strip_suffix("_sd_jwt_vc")?;
    state.catalogue.qualification(code)
}

/// The `vct` of a qualification's credential: a URL serving its type metadata.
pub fn vct(state: &AppState, qualification_code: &str) -> String {
    format!("{}/credential-types/{qualification_code}", issuer(state))
}
