//! The qualification as an SD-JWT VC: what is always shown (issuer, type,
//! validity, status, holder key) and what the holder chooses to disclose.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use crate::jose::jwk_value;
use crate::keys::PublicKey;
use crate::{sd_jwt, EndorsementFact, KeyError, SigningKey, StatusReference};

/// The selectively disclosable claims, in the order the type metadata lists them.
pub const DISCLOSABLE_CLAIMS: [&str; 9] = [
    "qualification",
    "registration_number",
    "registration_date",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birthdate",
    "endorsements",
];

/// What the register says of the holder, as the credential certifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredFacts {
    pub qualification_code: String,
    pub qualification_name_ja: String,
    pub qualification_name_en: String,
    pub registration_number: String,
    pub registered_on: NaiveDate,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub date_of_birth: NaiveDate,
    /// Endorsements added to the registration later.
    pub endorsements: Vec<EndorsementFact>,
}

/// One wallet credential to sign.
#[derive(Debug, Clone)]
pub struct WalletCredential<'a> {
    pub issuer: &'a str,
    pub vct: &'a str,
    pub issued_at: i64,
    pub expires_at: i64,
    pub status: StatusReference,
    pub holder: &'a PublicKey,
    pub facts: &'a RegisteredFacts,
}

impl WalletCredential<'_> {
    /// Signs it as an SD-JWT VC (issuer form: every disclosure attached).
    pub fn sign(&self, key: &SigningKey) -> Result<String, KeyError> {
        let mut visible = Map::new();
        visible.insert("iss".into(), self.issuer.into());
        visible.insert("vct".into(), self.vct.into());
        visible.insert("iat".into(), self.issued_at.into());
        visible.insert("nbf".into(), self.issued_at.into());
        visible.insert("exp".into(), self.expires_at.into());
        visible.insert(
            "status".into(),
            json!({"status_list": {"idx": self.status.idx, "uri": self.status.uri}}),
        );
        visible.insert("cnf".into(), json!({"jwk": jwk_value(self.holder)}));
        let f = self.facts;
        let values: [Value; 9] = [
            json!({"code": f.qualification_code, "name": f.qualification_name_ja, "name_en": f.qualification_name_en}),
            json!(f.registration_number),
            json!(f.registered_on.to_string()),
            json!(f.family_name),
            json!(f.given_name),
            json!(f.family_name_kana),
            json!(f.given_name_kana),
            json!(f.date_of_birth.to_string()),
            Value::Array(
                f.endorsements
                    .iter()
                    .map(|e| json!({"code": e.code, "name": e.name_ja, "name_en": e.name_en}))
                    .collect(),
            ),
        ];
        let disclosable = DISCLOSABLE_CLAIMS
            .iter()
            .zip(values)
            .map(|(name, value)| ((*name).to_owned(), value))
            .collect();
        sd_jwt::issue(key, visible, disclosable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySet;

    #[test]
    fn only_issuer_type_validity_status_and_key_are_in_the_clear() {
        let (issuer, _) = SigningKey::generate().unwrap();
        let (holder, _) = SigningKey::generate().unwrap();
        let facts = RegisteredFacts {
            qualification_code: "CARE_WORKER".into(),
            qualification_name_ja: "介護福祉士".into(),
            qualification_name_en: "Certified Care Worker".into(),
            registration_number: "000001".into(),
            registered_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            family_name: "山田".into(),
            given_name: "花子".into(),
            family_name_kana: "ヤマダ".into(),
            given_name_kana: "ハナコ".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 4, 1).unwrap(),
            endorsements: vec![],
        };
        let holder_key = holder.public_key();
        let sd = WalletCredential {
            issuer: "https://x.test",
            vct: "https://x.test/credential-types/CARE_WORKER",
            issued_at: 10,
            expires_at: 1000,
            status: StatusReference {
                idx: 7,
                uri: "https://x.test/list".into(),
            },
            holder: &holder_key,
            facts: &facts,
        }
        .sign(&issuer)
        .unwrap();
        assert_eq!(sd.matches('~').count(), 10);
        let mut keys = KeySet::default();
        keys.insert(&issuer.public_key());
        let claims = sd_jwt::verify(&sd, &keys, 20, None).unwrap().claims;
        assert_eq!(claims["status"]["status_list"]["idx"], 7);
        assert_eq!(claims["birthdate"], "1990-04-01");
        assert_eq!(claims["endorsements"], json!([]));
        assert_eq!(
            sd_jwt::verify(&sd, &keys, 1000, None).unwrap_err(),
            crate::Invalid::SdJwt("expired")
        );
    }
}
