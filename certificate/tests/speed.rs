//! Where verification time goes: `cargo test --release -p certificate --test speed -- --ignored --nocapture`.
use std::time::Instant;

use certificate::encoding::b64;
use certificate::token::sign_certificate;
use certificate::{
    verify_certificate, CertificateFacts, Claims, KeySet, SigningKey, Status, StatusReference,
};
use chrono::NaiveDate;
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

#[test]
#[ignore]
fn speed() {
    let (key, _) = SigningKey::generate().unwrap();
    let mut keys = KeySet::default();
    keys.insert(&key.public_key());
    let token = sign_certificate(&claims(), &key);
    let t = b64(&token);
    let n = 20000;
    let s = Instant::now();
    for _ in 0..n {
        assert_eq!(
            verify_certificate(&t, &keys, |_| Some(Status::Valid)).result(),
            "VALID"
        );
    }
    println!("full: {:.0}/s", n as f64 / s.elapsed().as_secs_f64());
    let sig = key.sign(b"hello world");
    let s = Instant::now();
    for _ in 0..n {
        assert_eq!(keys.verify(key.kid(), b"hello world", &sig), Some(true));
    }
    println!(
        "signature only: {:.0}/s",
        n as f64 / s.elapsed().as_secs_f64()
    );
    let s = Instant::now();
    for _ in 0..n {
        let _ = certificate::token::read_unverified(&token).unwrap();
    }
    println!("parse only: {:.0}/s", n as f64 / s.elapsed().as_secs_f64());
}
