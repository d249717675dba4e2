//! The claims of a certificate as a CBOR Web Token (RFC 8392): registered
//! claims by number (`iss` 1, `iat` 6, `cti` 7), the Token Status List
//! reference as claim 65535, and the certified facts under text names.

use chrono::NaiveDate;
use ciborium::Value;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::endorsement::{self, EndorsementFact};
use crate::Invalid;

const ISS: i64 = 1;
const IAT: i64 = 6;
const CTI: i64 = 7;
/// The certified facts, compact (a private text claim, as the real service
/// uses short keys).
const FACTS: &str = "f";
/// The `status` claim of the IETF OAuth Token Status List draft.
pub const STATUS: i64 = 65535;

/// What a certificate certifies. No My Number, no address, no domicile:
/// only what the printed certificate shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFacts {
    pub certificate_id: Uuid,
    pub qualification_code: String,
    /// The qualification's Japanese name, e.g. 介護福祉士.
    pub qualification_name: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub date_of_birth: NaiveDate,
    pub registration_number: String,
    pub registered_on: NaiveDate,
    pub issued_on: NaiveDate,
    /// The nationality (ISO 3166-1 alpha-2) of a holder who is not a
    /// Japanese national; None for a Japanese national, whose certificate
    /// carries no such fact (and stays as small as before).
    #[serde(default)]
    pub nationality: Option<String>,
    /// The endorsements of the registration when it was issued.
    #[serde(default)]
    pub endorsements: Vec<EndorsementFact>,
}

/// Where a certificate's revocation bit lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReference {
    pub idx: u64,
    pub uri: String,
}

/// Everything a certificate token carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The issuing office's public URL.
    pub issuer: String,
    /// Seconds since the epoch.
    pub issued_at: i64,
    pub facts: CertificateFacts,
    pub status: StatusReference,
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn date(d: NaiveDate) -> Value {
    Value::Text(d.format("%Y-%m-%d").to_string())
}

impl Claims {
    /// The CBOR map of the claims set, compact: the certified facts as one
    /// array under `f` (dates as days since 1970-01-01), so that the QR code
    /// stays small.
    pub fn to_cbor(&self) -> Vec<u8> {
        let f = &self.facts;
        let int = |i: i64| Value::Integer(i.into());
        let mut facts = vec![
            text(&f.qualification_code),
            text(&f.qualification_name),
            text(&f.family_name),
            text(&f.given_name),
            text(&f.family_name_kana),
            text(&f.given_name_kana),
            int(days(f.date_of_birth)),
            text(&f.registration_number),
            int(days(f.registered_on)),
            int(days(f.issued_on)),
        ];
        if let Some(nationality) = &f.nationality {
            facts.push(text(nationality));
        }
        let facts = Value::Array(facts);
        let mut map = vec![
            (int(ISS), text(&self.issuer)),
            (int(IAT), int(self.issued_at)),
            (int(CTI), Value::Bytes(f.certificate_id.as_bytes().to_vec())),
            (int(STATUS), self.status_claim()),
            (text(FACTS), facts),
        ];
        if let Some(endorsements) = endorsement::to_cbor(&f.endorsements) {
            map.push((text(endorsement::CLAIM), endorsements));
        }
        encode(&Value::Map(map))
    }

    fn status_claim(&self) -> Value {
        Value::Map(vec![(
            text("status_list"),
            Value::Map(vec![
                (text("idx"), Value::Integer(self.status.idx.into())),
                (text("uri"), text(&self.status.uri)),
            ]),
        )])
    }

    /// The claims set as certificates issued before the compact form carried
    /// it (every fact under its own name); kept to test that they still verify.
    pub fn to_cbor_named(&self) -> Vec<u8> {
        let f = &self.facts;
        let map = Value::Map(vec![
            (Value::Integer(ISS.into()), text(&self.issuer)),
            (
                Value::Integer(IAT.into()),
                Value::Integer(self.issued_at.into()),
            ),
            (
                Value::Integer(CTI.into()),
                Value::Bytes(f.certificate_id.as_bytes().to_vec()),
            ),
            (Value::Integer(STATUS.into()), self.status_claim()),
            (text("qualification_code"), text(&f.qualification_code)),
            (text("qualification_name"), text(&f.qualification_name)),
            (text("family_name"), text(&f.family_name)),
            (text("given_name"), text(&f.given_name)),
            (text("family_name_kana"), text(&f.family_name_kana)),
            (text("given_name_kana"), text(&f.given_name_kana)),
            (text("date_of_birth"), date(f.date_of_birth)),
            (text("registration_number"), text(&f.registration_number)),
            (text("registered_on"), date(f.registered_on)),
            (text("issued_on"), date(f.issued_on)),
        ]);
        encode(&map)
    }

    /// Reads a claims set; any missing or mistyped claim makes it invalid.
    pub fn from_cbor(bytes: &[u8]) -> Result<Claims, Invalid> {
        let map = ClaimMap::parse(bytes)?;
        let status = map.map_at(&Value::Integer(STATUS.into()), "status")?;
        let list = find(status, &text("status_list"))
            .and_then(Value::as_map)
            .ok_or(Invalid::Claims("status.status_list"))?;
        let idx = find(list, &text("idx"))
            .and_then(Value::as_integer)
            .and_then(|i| u64::try_from(i).ok())
            .ok_or(Invalid::Claims("status.status_list.idx"))?;
        let uri = find(list, &text("uri"))
            .and_then(Value::as_text)
            .ok_or(Invalid::Claims("status.status_list.uri"))?;
        let cti = map
            .get(&Value::Integer(CTI.into()))
            .and_then(Value::as_bytes)
            .and_then(|b| Uuid::from_slice(b).ok())
            .ok_or(Invalid::Claims("cti"))?;
        let mut facts = match map.get(&text(FACTS)) {
            Some(compact) => compact_facts(compact, cti)?,
            None => map.named_facts(cti)?,
        };
        facts.endorsements = endorsement::from_cbor(map.get(&text(endorsement::CLAIM)))?;
        Ok(Claims {
            issuer: map.text_at(&Value::Integer(ISS.into()), "iss")?,
            issued_at: map.int_at(&Value::Integer(IAT.into()), "iat")?,
            facts,
            status: StatusReference {
                idx,
                uri: uri.to_owned(),
            },
        })
    }
}

/// Days since 1970-01-01.
fn days(d: NaiveDate) -> i64 {
    (d - NaiveDate::default()).num_days()
}

/// The facts of the compact form: the array under `f`.
fn compact_facts(value: &Value, certificate_id: Uuid) -> Result<CertificateFacts, Invalid> {
    let items = value.as_array().ok_or(Invalid::Claims("f"))?;
    // Ten facts; an eleventh, the nationality, for a holder who is not a
    // Japanese national.
    if !(10..=11).contains(&items.len()) {
        return Err(Invalid::Claims("f"));
    }
    let text = |i: usize| {
        items[i]
            .as_text()
            .map(str::to_owned)
            .ok_or(Invalid::Claims("f"))
    };
    let date = |i: usize| {
        items[i]
            .as_integer()
            .and_then(|d| i64::try_from(d).ok())
            .and_then(|d| NaiveDate::default().checked_add_signed(chrono::Duration::try_days(d)?))
            .ok_or(Invalid::Claims("f"))
    };
    Ok(CertificateFacts {
        certificate_id,
        qualification_code: text(0)?,
        qualification_name: text(1)?,
        family_name: text(2)?,
        given_name: text(3)?,
        family_name_kana: text(4)?,
        given_name_kana: text(5)?,
        date_of_birth: date(6)?,
        registration_number: text(7)?,
        registered_on: date(8)?,
        issued_on: date(9)?,
        nationality: match items.get(10) {
            Some(_) => Some(text(10)?),
            None => None,
        },
        endorsements: vec![],
    })
}

impl ClaimMap {
    /// The facts of the named form certificates issued before carry.
    fn named_facts(&self, certificate_id: Uuid) -> Result<CertificateFacts, Invalid> {
        let map = self;
        Ok(CertificateFacts {
            certificate_id,
            qualification_code: map.text_named("qualification_code")?,
            qualification_name: map.text_named("qualification_name")?,
            family_name: map.text_named("family_name")?,
            given_name: map.text_named("given_name")?,
            family_name_kana: map.text_named("family_name_kana")?,
            given_name_kana: map.text_named("given_name_kana")?,
            date_of_birth: map.date_named("date_of_birth")?,
            registration_number: map.text_named("registration_number")?,
            registered_on: map.date_named("registered_on")?,
            issued_on: map.date_named("issued_on")?,
            nationality: None,
            endorsements: vec![],
        })
    }
}

/// CBOR bytes of a value (writing to a Vec cannot fail).
pub(crate) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = ciborium::ser::into_writer(value, &mut out);
    out
}

pub(crate) fn find<'a>(map: &'a [(Value, Value)], key: &Value) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// A decoded CBOR map with typed look-ups.
pub(crate) struct ClaimMap(Vec<(Value, Value)>);

impl ClaimMap {
    /// Decodes bytes that must be exactly one CBOR map.
    pub(crate) fn parse(bytes: &[u8]) -> Result<ClaimMap, Invalid> {
        let mut reader = bytes;
        let value: Value =
            ciborium::de::from_reader(&mut reader).map_err(|_| Invalid::Claims("not CBOR"))?;
        if !reader.is_empty() {
            return Err(Invalid::Claims("data after the claims set"));
        }
        match value {
            Value::Map(entries) => Ok(ClaimMap(entries)),
            _ => Err(Invalid::Claims("not a map")),
        }
    }

    pub(crate) fn get(&self, key: &Value) -> Option<&Value> {
        find(&self.0, key)
    }

    pub(crate) fn text_at(&self, key: &Value, name: &'static str) -> Result<String, Invalid> {
        self.get(key)
            .and_then(Value::as_text)
            .map(str::to_owned)
            .ok_or(Invalid::Claims(name))
    }

    pub(crate) fn int_at(&self, key: &Value, name: &'static str) -> Result<i64, Invalid> {
        self.get(key)
            .and_then(Value::as_integer)
            .and_then(|i| i64::try_from(i).ok())
            .ok_or(Invalid::Claims(name))
    }

    pub(crate) fn map_at(
        &self,
        key: &Value,
        name: &'static str,
    ) -> Result<&[(Value, Value)], Invalid> {
        self.get(key)
            .and_then(Value::as_map)
            .map(Vec::as_slice)
            .ok_or(Invalid::Claims(name))
    }

    fn text_named(&self, name: &'static str) -> Result<String, Invalid> {
        self.text_at(&text(name), name)
    }

    fn date_named(&self, name: &'static str) -> Result<NaiveDate, Invalid> {
        NaiveDate::parse_from_str(&self.text_named(name)?, "%Y-%m-%d")
            .map_err(|_| Invalid::Claims(name))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Claims of a certificate for tests.
    pub(crate) fn sample() -> Claims {
        Claims {
            issuer: "https://shikaku.example.jp".into(),
            issued_at: 1_790_000_000,
            facts: CertificateFacts {
                certificate_id: Uuid::from_u128(42),
                qualification_code: "CARE_WORKER".into(),
                qualification_name: "介護福祉士".into(),
                family_name: "山田".into(),
                given_name: "花子".into(),
                family_name_kana: "ヤマダ".into(),
                given_name_kana: "ハナコ".into(),
                date_of_birth: NaiveDate::from_ymd_opt(1990, 4, 1).unwrap(),
                registration_number: "0000001".into(),
                registered_on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                issued_on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                nationality: None,
                endorsements: vec![],
            },
            status: StatusReference {
                idx: 7,
                uri: "https://shikaku.example.jp/v1/certificate-status-list".into(),
            },
        }
    }

    #[test]
    fn claims_round_trip_through_cbor() {
        let claims = sample();
        assert_eq!(Claims::from_cbor(&claims.to_cbor()).unwrap(), claims);
        // A holder who is not a Japanese national: an eleventh fact.
        let mut foreign = sample();
        foreign.facts.nationality = Some("US".into());
        assert_eq!(
            foreign.to_cbor().len(),
            claims.to_cbor().len() + 3,
            "only the nationality is added"
        );
        assert_eq!(Claims::from_cbor(&foreign.to_cbor()).unwrap(), foreign);
        // An endorsed holder: the claim `e`, read back as written.
        let mut endorsed = sample();
        endorsed.facts.endorsements = vec![EndorsementFact {
            code: "SUCTION_AND_TUBE_FEEDING".into(),
            name_ja: "喀痰吸引等行為（実地研修修了）".into(),
            name_en: "Suctioning and tube feeding (practical training completed)".into(),
        }];
        assert_eq!(Claims::from_cbor(&endorsed.to_cbor()).unwrap(), endorsed);
        // Certificates issued before the compact form still read.
        assert_eq!(Claims::from_cbor(&claims.to_cbor_named()).unwrap(), claims);
        assert!(claims.to_cbor().len() * 3 < claims.to_cbor_named().len() * 2);
    }

    #[test]
    fn missing_or_mistyped_claims_are_invalid() {
        let bytes = sample().to_cbor();
        assert!(Claims::from_cbor(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Claims::from_cbor(&longer).is_err());
        assert!(Claims::from_cbor(&encode(&Value::Map(vec![]))).is_err());
        assert!(Claims::from_cbor(&encode(&Value::Integer(1.into()))).is_err());
        assert!(Claims::from_cbor(b"{\"iss\": 1}").is_err());
    }
}
