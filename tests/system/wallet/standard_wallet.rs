//! A standard wallet (npm libraries) obtains, stores and presents the
//! credential; a re-issue makes it INVALID.

use super::*;
use crate::common::certificates::{certificate_when, reissue};
use crate::common::spawn_app;

#[tokio::test]
async fn a_standard_wallet_obtains_and_presents_the_credential_and_a_reissue_revokes_it() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "62345678901").await;
    let first_certificate = certificate(&app, "hanako", &reg).await;
    let offered = offer(&app, "hanako", &reg).await;
    let uri = offered["offer_uri"].as_str().unwrap();
    assert!(uri.starts_with("openid-credential-offer://?credential_offer="));
    assert!(offered["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    // The offer says a code is needed, and how, but never carries it.
    let grant = &offered["credential_offer"]["grants"]
        ["urn:ietf:params:oauth:grant-type:pre-authorized_code"];
    let mut asked: Vec<&String> = grant["tx_code"].as_object().unwrap().keys().collect();
    asked.sort();
    assert_eq!(asked, ["description", "input_mode", "length"]);
    let code = tx_code(&app, "hanako").await;
    assert_eq!(code.len(), 6);
    assert!(!offered.to_string().contains(&format!("\"{code}\"")));
    // ...and its mail is queued under the notice's Message-ID (a batch of one).
    let mails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'notification.mails' AND dedupe_key LIKE '<offer-%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(mails, 1);

    let state = std::env::temp_dir().join(format!("wallet-{}.json", uuid::Uuid::new_v4()));
    let state = state.to_str().unwrap();
    let received = wallet(
        "receive",
        &[
            ("OFFER_URI", uri),
            ("TX_CODE", &code),
            ("STATE_FILE", state),
        ],
    )
    .await;
    assert_eq!(
        received["credential_configuration_id"],
        "CARE_WORKER_sd_jwt_vc"
    );
    assert_eq!(
        received["vct"],
        format!("{}/credential-types/CARE_WORKER", app.base)
    );
    assert_eq!(received["type_metadata_vct"], received["vct"]);
    // In the clear: issuer, type, validity, status and holder key only.
    assert_eq!(
        received["clear_claims"],
        json!(["cnf", "exp", "iat", "iss", "nbf", "status", "vct"])
    );
    let claims = &received["claims"];
    assert_eq!(claims["family_name"], "山田");
    assert_eq!(claims["given_name_kana"], "ハナコ");
    assert_eq!(claims["birthdate"], "1990-04-01");
    assert_eq!(claims["qualification"]["code"], "CARE_WORKER");
    assert_eq!(
        claims["registration_number"],
        first_certificate["facts"]["registration_number"]
    );
    assert_eq!(
        claims["registration_date"],
        first_certificate["facts"]["registered_on"]
    );
    assert_eq!(claims["endorsements"], json!([]));
    // Its own status entry at a random position, not the certificate's.
    let entry = &claims["status"]["status_list"];
    assert!(entry["uri"].as_str().unwrap().starts_with(&app.base));
    assert!(
        entry["uri"] != first_certificate["status_list_uri"]
            || entry["idx"] != first_certificate["status_index"]
    );

    let shown = wallet("present", &[("STATE_FILE", state)]).await;
    assert_eq!(shown["result"], "VALID", "{shown}");
    assert_eq!(shown["status_value"], 0);
    assert_eq!(shown["disclosures"], 2);
    assert_eq!(shown["claims"]["qualification"]["code"], "CARE_WORKER");
    assert!(shown["claims"]["registration_number"].is_string());
    for hidden in [
        "family_name",
        "given_name",
        "birthdate",
        "registration_date",
    ] {
        assert!(
            shown["claims"].get(hidden).is_none(),
            "{hidden} was disclosed"
        );
    }

    // The holder sees it on their registration.
    let applicant = app.token(Role::Applicant, "hanako");
    let path = format!("/v1/registrations/{reg}/wallet-credentials");
    let listed: Value = app.get_json(&path, &applicant).await;
    assert_eq!(listed["items"][0]["status"], "VALID");
    assert_eq!(
        listed["items"][0]["credential_configuration_id"],
        "CARE_WORKER_sd_jwt_vc"
    );

    // Suspended, the verifier reads SUSPENDED (not INVALID), and VALID again
    // once the suspension ends.
    let id = uuid::Uuid::parse_str(&reg).unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    for (status, result, value) in [
        (certificate::Status::Suspended, "SUSPENDED", 2),
        (certificate::Status::Valid, "VALID", 0),
    ] {
        adapters::certificate::set_registration_status(&mut conn, id, status)
            .await
            .unwrap();
        let shown = wallet("present", &[("STATE_FILE", state)]).await;
        assert_eq!(shown["result"], result, "{shown}");
        assert_eq!(shown["status_value"], value, "{shown}");
        let listed: Value = app.get_json(&path, &applicant).await;
        assert_eq!(listed["items"][0]["status"], result);
    }

    // A re-issue supersedes the certificate the credential stands on.
    reissue(&app, "hanako", &reg).await;
    certificate_when(&app, "hanako", &reg, |c| {
        c["certificate_id"] != first_certificate["certificate_id"]
    })
    .await;
    let listed: Value = app.get_json(&path, &applicant).await;
    assert_eq!(listed["items"][0]["status"], "INVALID");
    let registration: Value = app
        .get_json(&format!("/v1/registrations/{reg}"), &applicant)
        .await;
    assert_eq!(registration["wallet_credentials"][0]["status"], "INVALID");
    let examiner = app.token(Role::Examiner, "ex-1");
    let registration: Value = app
        .get_json(&format!("/v1/registrations/{reg}"), &examiner)
        .await;
    assert_eq!(registration["wallet_credentials"][0]["status"], "INVALID");
    // The verifier reads INVALID from the published list within seconds.
    let started = std::time::Instant::now();
    loop {
        let shown = wallet("present", &[("STATE_FILE", state)]).await;
        if shown["result"] == "INVALID" {
            assert_eq!(shown["status_value"], 1, "{shown}");
            break;
        }
        assert_eq!(shown["result"], "VALID", "{shown}");
        assert!(started.elapsed().as_secs() < 60, "still VALID after 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // The holder may ask for a fresh one.
    offer(&app, "hanako", &reg).await;
    let _ = std::fs::remove_file(state);
}
