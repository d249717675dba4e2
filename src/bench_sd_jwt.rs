//! The SD-JWT VC figure of `shikaku bench certificates`: presentations (two
//! disclosures and a key-binding JWT) verified per second on one core, as a
//! wallet shows them to a verifier.

use certificate::jose::jwk_value;
use certificate::sd_jwt::{self, KeyBinding};
use certificate::{KeySet, SigningKey};
use serde_json::{json, Map};

type BoxError = Box<dyn std::error::Error>;

/// Prints SD-JWT VC presentation verifications per second and their ratio
/// to `cwt_rate`, the CWT verifications of the same run, and to half of
/// `ceiling`, the bare signature checks of the same run (a presentation
/// needs two).
pub fn presentation_figure(
    seconds: u64,
    cwt_rate: f64,
    ceiling: f64,
    per_second_on_one_core: impl Fn(u64, &mut (dyn FnMut(u64) + Send)) -> f64,
) -> Result<(), BoxError> {
    let (issuer, _) = SigningKey::generate()?;
    let (holder, _) = SigningKey::generate()?;
    let mut keys = KeySet::default();
    keys.insert(&issuer.public_key());
    let mut visible = Map::new();
    visible.insert("iss".into(), "https://shikaku.example.jp".into());
    visible.insert(
        "vct".into(),
        "https://shikaku.example.jp/credential-types/CARE_WORKER".into(),
    );
    visible.insert(
        "cnf".into(),
        json!({"jwk": jwk_value(&holder.public_key())}),
    );
    let disclosable = [
        (
            "qualification",
            json!({"code": "CARE_WORKER", "name": "介護福祉士"}),
        ),
        ("registration_number", json!("0000007")),
        ("family_name", json!("山田")),
        ("given_name", json!("花子")),
        ("birthdate", json!("1990-04-01")),
    ];
    let disclosable = disclosable
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let sd = sd_jwt::issue(&issuer, visible, disclosable)?;
    let now = chrono::Utc::now().timestamp();
    let binding = KeyBinding {
        audience: "https://employer.example.jp",
        nonce: "n",
        now,
        max_age: 300,
    };
    let shown = sd_jwt::present(
        &sd,
        &["qualification", "registration_number"],
        &holder,
        binding.audience,
        binding.nonce,
        now,
    )?;
    println!("== SD-JWT VC presentation verification on one core, {seconds} s (2 of 5 disclosures, issuer ES256, key-binding ES256)");
    let rate = per_second_on_one_core(seconds, &mut |_| {
        let verified = sd_jwt::verify(&shown, &keys, now, Some(&binding));
        assert!(verified.is_ok());
    });
    println!(
        "presentation verifications/s: {rate:.0} ({:.2} x the CWT verifications of this run; {:.2} x half the signature checks, as each needs two)",
        rate / cwt_rate.max(1.0),
        rate / (ceiling / 2.0).max(1.0)
    );
    Ok(())
}
