//! A certified care worker adds the suctioning endorsement and later
//! removes it: each time paid, approved with four eyes, and carried to the
//! registration, a new certificate, the wallet credential and the feed.

use std::path::Path;
use std::process::Command;

use domain::Role;
use reqwest::StatusCode;
use serde_json::Value;

use super::{file, paid_and_approved, SUCTION, SUCTION_EN, SUCTION_JA};
use crate::common::certificates::{certificate, certificate_when, registered, scan_qr, verify};
use crate::common::spawn_app;
use crate::common::{answer, TestApp};
use crate::support::webhooks::WebhookReceiver;

/// The text of the holder's printed certificate (pdftotext) and what its
/// QR code scans to, from its page rendered at 72 dpi (pdftoppm).
async fn printed(
    app: &TestApp,
    holder: &str,
    registration: &str,
    sample: &str,
) -> (String, String) {
    let r = app
        .get(
            &format!("/v1/registrations/{registration}/certificate.pdf"),
            &app.token(Role::Applicant, holder),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let dir = std::env::temp_dir().join(format!("shikaku-endorsed-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("certificate.pdf");
    std::fs::write(&pdf, r.bytes().await.unwrap()).unwrap();
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program).args(args).output().unwrap();
        assert!(out.status.success(), "{program} {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    let page = dir.join("page");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "72",
            "-singlefile",
            pdf.to_str().unwrap(),
            page.to_str().unwrap(),
        ],
    );
    if let Ok(keep) = std::env::var("SHIKAKU_CERT_SAMPLES") {
        let keep = Path::new(&keep);
        std::fs::copy(dir.join("page.png"), keep.join(format!("{sample}.png"))).unwrap();
        std::fs::copy(&pdf, keep.join(format!("{sample}.pdf"))).unwrap();
    }
    // The token is longer with endorsements: the printed code still scans.
    let scanned = scan_qr(&dir.join("page.png"));
    let _ = std::fs::remove_dir_all(&dir);
    (text, scanned)
}

/// The disclosed value of `claim` in an SD-JWT VC (and that it is not in
/// the clear: it is selectively disclosable).
fn disclosed(sd_jwt: &str, claim: &str) -> Value {
    let mut parts = sd_jwt.split('~');
    let jwt = parts.next().unwrap();
    let payload = jwt.split('.').nth(1).unwrap();
    let clear: Value =
        serde_json::from_slice(&certificate::encoding::unb64(payload).unwrap()).unwrap();
    assert!(
        clear.get(claim).is_none(),
        "{claim} is disclosable, not in the clear"
    );
    parts
        .filter(|d| !d.is_empty())
        .map(|d| {
            serde_json::from_slice::<Value>(&certificate::encoding::unb64(d).unwrap()).unwrap()
        })
        .find(|d| d[1] == claim)
        .unwrap_or_else(|| panic!("no disclosure of {claim}"))[2]
        .clone()
}

#[tokio::test]
async fn a_care_worker_adds_the_suctioning_endorsement_and_removes_it_again() {
    let app = spawn_app().await;
    // The ministry subscribes to the endorsement events (signed webhooks).
    let receiver = WebhookReceiver::start();
    let r = app
        .post_as(
            Role::Ministry,
            "MHLW",
            "/v1/webhook-subscriptions",
            &serde_json::json!({"url": receiver.url("e"),
                                "event_types": ["ENDORSEMENT_ADDED", "ENDORSEMENT_REMOVED"]}),
        )
        .await;
    let subscription = answer(r, StatusCode::CREATED).await;
    receiver
        .configure("e", subscription["secret"].as_str().unwrap(), 0)
        .await;
    let reg = registered(&app, "kaigo", "44345678901").await;
    let first = certificate(&app, "kaigo", &reg).await;
    assert_eq!(first["facts"]["endorsements"], serde_json::json!([]));
    let evidence = app.upload_pdf("kaigo").await;

    // Filed with the training certificate: 500 yen, from the catalogue.
    let filed = answer(
        file(&app, "kaigo", &reg, "ADD", SUCTION, &[&evidence]).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(filed["kind"], "ENDORSEMENT");
    assert_eq!(filed["fee"]["amount"], 500);
    assert_eq!(filed["endorsement"]["code"], SUCTION);
    assert_eq!(filed["endorsement"]["action"], "ADD");
    assert_eq!(filed["endorsement"]["name_ja"], SUCTION_JA);
    assert_eq!(filed["attachments"].as_array().unwrap().len(), 1);
    let added = paid_and_approved(&app, filed).await;
    assert_eq!(added["outcome"], "APPLIED");
    let added_id = added["id"].as_str().unwrap().to_owned();

    // The registration, as the holder and as the ministry's register entry.
    let holder = app.token(Role::Applicant, "kaigo");
    let registration: Value = app
        .get_json(&format!("/v1/registrations/{reg}"), &holder)
        .await;
    let endorsements = registration["endorsements"].as_array().unwrap();
    assert_eq!(endorsements.len(), 1, "{registration}");
    assert_eq!(endorsements[0]["code"], SUCTION);
    assert_eq!(endorsements[0]["name_ja"], SUCTION_JA);
    assert_eq!(endorsements[0]["name_en"], SUCTION_EN);
    let timeline = registration["timeline"].as_array().unwrap();
    assert_eq!(
        timeline
            .iter()
            .filter(|t| t["event"] == "EndorsementAdded")
            .count(),
        1
    );
    let ministry: Value = app
        .get_json(
            &format!("/v1/registrations/{reg}"),
            &app.token(Role::Ministry, "MHLW"),
        )
        .await;
    assert_eq!(
        ministry["register_entry"]["endorsements"][0]["code"],
        SUCTION
    );

    // A new certificate carries it; the old one is revoked.
    let second = certificate_when(&app, "kaigo", &reg, |c| c["token"] != first["token"]).await;
    let certified = &second["facts"]["endorsements"];
    assert_eq!(certified[0]["code"], SUCTION, "{second}");
    assert_eq!(certified[0]["name_en"], SUCTION_EN);
    let verified = verify(&app, second["token"].as_str().unwrap()).await;
    assert_eq!(verified["result"], "VALID");
    assert_eq!(verified["facts"]["endorsements"][0]["name_ja"], SUCTION_JA);
    let old = verify(&app, first["token"].as_str().unwrap()).await;
    assert_eq!(old["result"], "REVOKED");
    let (text, scanned) = printed(&app, "kaigo", &reg, "endorsed").await;
    assert_eq!(scanned, second["verification_url"].as_str().unwrap());
    for expected in [
        "付記事項",
        SUCTION_JA,
        "Suctioning and tube feeding",
        "山田",
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the PDF:\n{text}"
        );
    }

    // The wallet credential discloses it.
    let sd_jwt = crate::wallet::credential(&app, "kaigo", &reg).await;
    let value = disclosed(&sd_jwt, "endorsements");
    assert_eq!(value[0]["code"], SUCTION, "{value}");
    assert_eq!(value[0]["name"], SUCTION_JA);
    assert_eq!(value[0]["name_en"], SUCTION_EN);

    // Then it is removed: no evidence needed, the same fee and examination.
    let r = file(&app, "kaigo", &reg, "REMOVE", SUCTION, &[]).await;
    let removed = paid_and_approved(&app, answer(r, StatusCode::CREATED).await).await;
    assert_eq!(removed["outcome"], "APPLIED");
    assert_eq!(removed["endorsement"]["action"], "REMOVE");
    let registration: Value = app
        .get_json(&format!("/v1/registrations/{reg}"), &holder)
        .await;
    assert_eq!(registration["endorsements"], serde_json::json!([]));
    let third = certificate_when(&app, "kaigo", &reg, |c| c["token"] != second["token"]).await;
    assert_eq!(third["facts"]["endorsements"], serde_json::json!([]));
    let (text, _) = printed(&app, "kaigo", &reg, "endorsement-removed").await;
    assert!(!text.contains(SUCTION_JA), "{text}");

    // The ministry follows both in the feed, with the certificates they replaced.
    let items = app.feed_about(&reg).await;
    let of = |t: &str| items.iter().filter(|i| i["type"] == t).collect::<Vec<_>>();
    let added_items = of("ENDORSEMENT_ADDED");
    assert_eq!(added_items.len(), 1, "{items:?}");
    assert_eq!(added_items[0]["data"]["code"], SUCTION);
    assert_eq!(
        added_items[0]["data"]["change_request_id"],
        added_id.as_str()
    );
    assert_eq!(of("ENDORSEMENT_REMOVED").len(), 1);
    let replaced = of("CERTIFICATE_REVOKED")
        .into_iter()
        .filter(|i| i["data"]["reason"] == "ENDORSEMENTS_CHANGED")
        .count();
    assert_eq!(replaced, 2, "{items:?}");
    // The same two items reach the subscriber, signed, in order.
    let delivered = receiver.wait_for("e", 2).await;
    let types: Vec<&Value> = delivered.iter().map(|d| &d["payload"]["type"]).collect();
    assert_eq!(types, ["ENDORSEMENT_ADDED", "ENDORSEMENT_REMOVED"]);
    assert_eq!(delivered[0]["payload"]["data"], *added_items[0]);
}
