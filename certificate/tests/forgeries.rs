//! Every kind of forged or broken input is INVALID; genuine tokens are VALID
//! or REVOKED by the status list.

use certificate::encoding::b64;
use certificate::token::{self, sign_certificate};
use certificate::{
    verify_certificate, CertificateFacts, Claims, Invalid, KeySet, SigningKey, Status,
    StatusReference, Verdict,
};
use chrono::NaiveDate;
use coset::{CborSerializable, CoseSign1, TaggedCborSerializable};
use uuid::Uuid;

fn claims() -> Claims {
    Claims {
        issuer: "https://shikaku.example.jp".into(),
        issued_at: 1_790_000_000,
        facts: CertificateFacts {
            certificate_id: Uuid::from_u128(7),
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
            idx: 3,
            uri: "https://shikaku.example.jp/v1/certificate-status-list".into(),
        },
    }
}

fn setup() -> (SigningKey, KeySet, Vec<u8>) {
    let (key, _) = SigningKey::generate().unwrap();
    let mut keys = KeySet::default();
    keys.insert(&key.public_key());
    let token = sign_certificate(&claims(), &key);
    (key, keys, token)
}

fn verdict(keys: &KeySet, bytes: &[u8]) -> Verdict {
    verify_certificate(&b64(bytes), keys, |_| Some(Status::Valid))
}

#[test]
fn a_genuine_token_round_trips_valid_and_revoked() {
    let (_, keys, token) = setup();
    let v = verdict(&keys, &token);
    assert_eq!(v.result(), "VALID");
    assert_eq!(v.claims().unwrap(), &claims());
    let url = format!("https://shikaku.example.jp/verify?c={}", b64(&token));
    assert_eq!(
        verify_certificate(&url, &keys, |_| Some(Status::Valid)).result(),
        "VALID"
    );
    let revoked = verify_certificate(&b64(&token), &keys, |idx| {
        Some(if idx == 3 {
            Status::Invalid
        } else {
            Status::Valid
        })
    });
    assert_eq!(revoked.result(), "REVOKED");
    let suspended = verify_certificate(&b64(&token), &keys, |_| Some(Status::Suspended));
    assert_eq!(suspended.result(), "SUSPENDED");
    assert_eq!(suspended.claims().unwrap(), &claims());
    let uncovered = verify_certificate(&b64(&token), &keys, |_| None);
    assert_eq!(uncovered.result(), "INVALID");
}

#[test]
fn every_flipped_bit_is_invalid() {
    let (_, keys, token) = setup();
    for i in 0..token.len() {
        for bit in 0..8 {
            let mut forged = token.clone();
            forged[i] ^= 1 << bit;
            assert_eq!(
                verdict(&keys, &forged).result(),
                "INVALID",
                "byte {i} bit {bit} flipped still verifies"
            );
        }
    }
}

#[test]
fn every_truncation_and_extension_is_invalid() {
    let (_, keys, token) = setup();
    for len in 0..token.len() {
        assert_eq!(verdict(&keys, &token[..len]).result(), "INVALID", "{len}");
    }
    let mut longer = token.clone();
    longer.push(0);
    assert_eq!(verdict(&keys, &longer).result(), "INVALID");
}

#[test]
fn another_key_and_an_unknown_kid_are_invalid() {
    let (_, keys, _) = setup();
    let (other, _) = SigningKey::generate().unwrap();
    let foreign = sign_certificate(&claims(), &other);
    assert_eq!(
        verdict(&keys, &foreign),
        Verdict::Invalid(Invalid::UnknownKey)
    );

    // Another key claiming a published kid: the signature does not match.
    let (real, keys, token) = setup();
    let mut sign1 = CoseSign1::from_tagged_slice(&token).unwrap();
    let impostor = CoseSign1::from_tagged_slice(&sign_certificate(&claims(), &other)).unwrap();
    sign1.signature = impostor.signature;
    assert_eq!(
        verdict(&keys, &sign1.to_tagged_vec().unwrap()),
        Verdict::Invalid(Invalid::Signature)
    );
    assert!(keys.contains(real.kid()));
}

#[test]
fn altered_claims_are_invalid() {
    let (_, keys, token) = setup();
    let mut altered = claims();
    altered.facts.family_name = "佐藤".into();
    let mut sign1 = CoseSign1::from_tagged_slice(&token).unwrap();
    sign1.payload = Some(altered.to_cbor());
    assert_eq!(
        verdict(&keys, &sign1.to_tagged_vec().unwrap()),
        Verdict::Invalid(Invalid::Signature)
    );
    // The same with the protected header stripped of its key id.
    let mut sign1 = CoseSign1::from_tagged_slice(&token).unwrap();
    sign1.protected.header.key_id.clear();
    sign1.protected.original_data = None;
    assert_eq!(
        verdict(&keys, &sign1.to_vec().unwrap()),
        Verdict::Invalid(Invalid::NoKeyId)
    );
    // And with the algorithm changed.
    let mut sign1 = CoseSign1::from_tagged_slice(&token).unwrap();
    sign1.protected.header.alg = Some(coset::Algorithm::Assigned(coset::iana::Algorithm::EdDSA));
    sign1.protected.original_data = None;
    assert_eq!(
        verdict(&keys, &sign1.to_vec().unwrap()),
        Verdict::Invalid(Invalid::Algorithm)
    );
}

#[test]
fn not_cbor_not_base64_and_empty_are_invalid() {
    let (_, keys, _) = setup();
    assert_eq!(verdict(&keys, b"{\"json\": true}").result(), "INVALID");
    assert_eq!(verdict(&keys, b"").result(), "INVALID");
    for input in ["", "%%%", "not base64!", "https://x/verify?c=", "\u{3042}"] {
        assert_eq!(
            verify_certificate(input, &keys, |_| Some(Status::Valid)).result(),
            "INVALID",
            "{input}"
        );
    }
    // A signed status list is no certificate.
    let (key, keys, _) = setup();
    let list = certificate::StatusListToken {
        subject: "s".into(),
        issued_at: 0,
        expires_at: None,
        ttl: None,
        list: certificate::StatusList::new(8),
    };
    assert_eq!(verdict(&keys, &list.sign(&key)).result(), "INVALID");
    assert!(token::read_unverified(b"xx").is_err());
}

#[test]
fn a_retired_key_still_verifies_its_certificates() {
    let (old, mut keys, token) = setup();
    let (new, _) = SigningKey::generate().unwrap();
    keys.insert(&new.public_key());
    assert_eq!(verdict(&keys, &token).result(), "VALID");
    let fresh = sign_certificate(&claims(), &new);
    match verdict(&keys, &fresh) {
        Verdict::Valid { kid, .. } => assert_eq!(kid, new.kid()),
        other => panic!("{other:?}"),
    }
    assert_ne!(old.kid(), new.kid());
}

#[test]
fn no_my_number_in_a_certificate() {
    // The claims type has no field for it; the encoded token carries only
    // the printed facts (no 12-digit number anywhere).
    let (_, _, token) = setup();
    let text = String::from_utf8_lossy(&token);
    assert!(!text
        .chars()
        .collect::<Vec<_>>()
        .windows(12)
        .any(|w| w.iter().all(char::is_ascii_digit)));
}
