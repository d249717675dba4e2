//! The endorsements a certificate or a wallet credential certifies
//! (付記事項: e.g. a care worker's completed training in suctioning), and
//! their compact CBOR form: one array `[code, name_ja, name_en]` each under
//! the claim `e`, present only when there is one (so a certificate without
//! endorsements stays as small as before).

use ciborium::Value;
use serde::{Deserialize, Serialize};

use crate::Invalid;

/// The claim of the compact form that holds the endorsements.
pub(crate) const CLAIM: &str = "e";

/// One endorsement of the registration, named as the register names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementFact {
    /// The catalogue's code, e.g. `SUCTION_AND_TUBE_FEEDING`.
    pub code: String,
    /// The name in Japanese.
    pub name_ja: String,
    /// The name in English.
    pub name_en: String,
}

/// The claim's value, or None when there is nothing to certify.
pub(crate) fn to_cbor(endorsements: &[EndorsementFact]) -> Option<Value> {
    let text = |s: &str| Value::Text(s.to_owned());
    (!endorsements.is_empty()).then(|| {
        Value::Array(
            endorsements
                .iter()
                .map(|e| Value::Array(vec![text(&e.code), text(&e.name_ja), text(&e.name_en)]))
                .collect(),
        )
    })
}

/// Reads the claim; a present claim of any other shape makes the token invalid.
pub(crate) fn from_cbor(value: Option<&Value>) -> Result<Vec<EndorsementFact>, Invalid> {
    let Some(value) = value else {
        return Ok(vec![]);
    };
    let bad = || Invalid::Claims("e");
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|item| {
            let parts = item.as_array().filter(|p| p.len() == 3).ok_or_else(bad)?;
            let text = |i: usize| parts[i].as_text().map(str::to_owned).ok_or_else(bad);
            Ok(EndorsementFact {
                code: text(0)?,
                name_ja: text(1)?,
                name_en: text(2)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_reads_back_and_any_other_shape_is_invalid() {
        let fact = EndorsementFact {
            code: "SUCTION_AND_TUBE_FEEDING".into(),
            name_ja: "喀痰吸引等行為（実地研修修了）".into(),
            name_en: "Suctioning and tube feeding".into(),
        };
        assert_eq!(to_cbor(&[]), None, "no claim without endorsements");
        let claim = to_cbor(std::slice::from_ref(&fact)).unwrap();
        assert_eq!(from_cbor(Some(&claim)).unwrap(), vec![fact]);
        assert_eq!(from_cbor(None).unwrap(), vec![]);
        let text = |s: &str| Value::Text(s.into());
        for bad in [
            text("SUCTION"),
            Value::Array(vec![text("SUCTION")]),
            Value::Array(vec![Value::Array(vec![text("a"), text("b")])]),
            Value::Array(vec![Value::Array(vec![
                text("a"),
                text("b"),
                Value::Integer(1.into()),
            ])]),
        ] {
            assert_eq!(from_cbor(Some(&bad)), Err(Invalid::Claims("e")), "{bad:?}");
        }
    }
}
