use super::*;
use crate::jose::jwk_value;

fn issued() -> (SigningKey, SigningKey, KeySet, String) {
    let (issuer, _) = SigningKey::generate().unwrap();
    let (holder, _) = SigningKey::generate().unwrap();
    let mut keys = KeySet::default();
    keys.insert(&issuer.public_key());
    let mut visible = Map::new();
    visible.insert("iss".into(), "https://x.test".into());
    visible.insert("vct".into(), "https://x.test/t".into());
    visible.insert(
        "cnf".into(),
        json!({"jwk": jwk_value(&holder.public_key())}),
    );
    let sd = issue(
        &issuer,
        visible,
        vec![
            ("qualification".into(), json!({"code": "Q"})),
            ("registration_number".into(), json!("123")),
            ("family_name".into(), json!("山田")),
        ],
    )
    .unwrap();
    (issuer, holder, keys, sd)
}

const KB: KeyBinding = KeyBinding {
    audience: "https://verifier.test",
    nonce: "n-1",
    now: 1_000_000,
    max_age: 300,
};

#[test]
fn the_issuer_form_discloses_everything_and_hides_nothing_it_signed() {
    let (_, _, keys, sd) = issued();
    assert!(sd.ends_with('~'));
    let v = verify(&sd, &keys, 0, None).unwrap();
    assert_eq!(v.claims["family_name"], "山田");
    assert_eq!(v.claims["qualification"]["code"], "Q");
    assert!(v.claims.get("_sd").is_none());
    // The signed payload carries digests, not the names.
    let jwt = sd.split('~').next().unwrap();
    let payload = String::from_utf8(unb64(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert!(!payload.contains("山田") && !payload.contains("registration_number"));
}

#[test]
fn a_presentation_shows_only_what_the_holder_chose_and_is_bound_to_its_key() {
    let (_, holder, keys, sd) = issued();
    let p = present(
        &sd,
        &["qualification", "registration_number"],
        &holder,
        KB.audience,
        KB.nonce,
        KB.now,
    )
    .unwrap();
    let v = verify(&p, &keys, KB.now, Some(&KB)).unwrap();
    assert_eq!(v.claims["registration_number"], "123");
    assert!(v.claims.get("family_name").is_none());

    let other = KeyBinding { nonce: "n-2", ..KB };
    assert_eq!(
        verify(&p, &keys, KB.now, Some(&other)).unwrap_err(),
        Invalid::KeyBinding("for another nonce")
    );
    let other = KeyBinding {
        audience: "https://else.test",
        ..KB
    };
    assert!(verify(&p, &keys, KB.now, Some(&other)).is_err());
    let late = KeyBinding {
        now: KB.now + 301,
        ..KB
    };
    assert!(verify(&p, &keys, late.now, Some(&late)).is_err());
    // Without a key-binding JWT, or signed by another key.
    assert!(verify(&sd, &keys, KB.now, Some(&KB)).is_err());
    let (thief, _) = SigningKey::generate().unwrap();
    let stolen = present(
        &sd,
        &["qualification"],
        &thief,
        KB.audience,
        KB.nonce,
        KB.now,
    )
    .unwrap();
    assert_eq!(
        verify(&stolen, &keys, KB.now, Some(&KB)).unwrap_err(),
        Invalid::KeyBinding("not signed by the holder's key")
    );
}

#[test]
fn forged_disclosures_and_foreign_issuers_are_refused() {
    let (_, holder, keys, sd) = issued();
    let forged = format!("{sd}{}~", b64(br#"["c2FsdA","family_name","Other"]"#));
    assert_eq!(
        verify(&forged, &keys, 0, None).unwrap_err(),
        Invalid::SdJwt("a disclosure is not signed by the issuer")
    );
    // A disclosure added twice, and a presentation whose disclosures changed after binding.
    let first = sd.split('~').nth(1).unwrap();
    assert!(verify(&format!("{sd}{first}~"), &keys, 0, None).is_err());
    let p = present(
        &sd,
        &["qualification"],
        &holder,
        KB.audience,
        KB.nonce,
        KB.now,
    )
    .unwrap();
    let (head, kb) = p.rsplit_once('~').unwrap();
    let widened = format!("{head}~{first}~{kb}");
    assert!(verify(&widened, &keys, KB.now, Some(&KB)).is_err());
    let (other, _) = SigningKey::generate().unwrap();
    let mut other_keys = KeySet::default();
    other_keys.insert(&other.public_key());
    assert_eq!(
        verify(&sd, &other_keys, 0, None).unwrap_err(),
        Invalid::UnknownKey
    );
    assert!(verify("not an sd-jwt", &keys, 0, None).is_err());
}
