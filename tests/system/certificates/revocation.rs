//! Revocation within 60 seconds, and key rotation.

use super::*;

#[tokio::test]
async fn a_reissue_and_a_change_of_name_revoke_the_old_certificate_within_60_seconds() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "42345678901").await;
    let first = certificate(&app, "hanako", &reg).await;
    let first_token = first["token"].as_str().unwrap().to_owned();
    let first_idx = first["status_index"].as_u64().unwrap();

    reissue(&app, "hanako", &reg).await;
    let started = Instant::now();
    revoked_within_60s(&app, &first_token).await;
    assert!(started.elapsed() < Duration::from_secs(60));
    let list = status_list(&app).await;
    assert_eq!(
        list.list.status(first_idx),
        Some(certificate::Status::Invalid)
    );
    assert_eq!(list.ttl, Some(30));
    assert!(list.subject.ends_with("/v1/certificate-status-list"));

    // The re-issued certificate is a new one, and valid.
    let second = certificate_when(&app, "hanako", &reg, |c| {
        c["certificate_id"] != first["certificate_id"]
    })
    .await;
    assert_eq!(second["status"], "VALID");
    let second_token = second["token"].as_str().unwrap().to_owned();
    assert_eq!(verify(&app, &second_token).await["result"], "VALID");
    let second_idx = second["status_index"].as_u64().unwrap();
    assert_ne!(second_idx, first_idx);
    assert_eq!(
        status_list(&app).await.list.status(second_idx),
        Some(certificate::Status::Valid)
    );
    // A revoked certificate still shows what it certified, marked REVOKED.
    let revoked = verify(&app, &first_token).await;
    assert_eq!(revoked["facts"]["family_name"], "山田");
    let page = app
        .text_at(&format!(
            "{}/verify?c={}",
            app.base,
            first["token"].as_str().unwrap()
        ))
        .await;
    assert!(page.contains("REVOKED") && page.contains("失効"));

    // A change of name revokes the re-issued one and certifies the new name.
    change(
        &app,
        "hanako",
        &reg,
        json!({"kind": "CHANGE_NAME", "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}}),
    )
    .await;
    revoked_within_60s(&app, &second_token).await;
    let third = certificate_when(&app, "hanako", &reg, |c| {
        c["facts"]["family_name"] == "佐藤"
    })
    .await;
    assert_eq!(third["status"], "VALID");
    assert_eq!(third["facts"]["family_name_kana"], "サトウ");
    assert_eq!(
        verify(&app, third["token"].as_str().unwrap()).await["result"],
        "VALID"
    );

    // The status view can be rebuilt from the events to the same list (the
    // one it holds once every event is in: the third certificate's status
    // may still be on its way).
    app.settle().await;
    let before = status_list(&app).await.list;
    sqlx::query("TRUNCATE certificate_status")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE subscription_checkpoints SET last_transaction_id = '0', last_global_position = 0
         WHERE name = 'certificate_status'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app.settle().await;
    assert_eq!(status_list(&app).await.list, before);
}

#[tokio::test]
async fn deleting_a_registration_revokes_its_certificate() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "52345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    change(
        &app,
        "hanako",
        &reg,
        json!({"kind": "DELETE_REGISTRATION", "reason": "HOLDER_REQUEST"}),
    )
    .await;
    revoked_within_60s(&app, cert["token"].as_str().unwrap()).await;
    let again = certificate_when(&app, "hanako", &reg, |c| c["status"] == "REVOKED").await;
    assert_eq!(again["certificate_id"], cert["certificate_id"]);
}

#[tokio::test]
async fn after_rotation_old_certificates_stay_valid_and_new_ones_use_the_new_key() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-cert-{}", uuid::Uuid::new_v4()));
    let dir = data_dir.clone();
    let app = spawn_app_with(move |s| s.data_dir = dir).await;
    let reg = registered(&app, "hanako", "62345678901").await;
    let old = certificate(&app, "hanako", &reg).await;

    // `shikaku certificate-keys rotate` against the same database and data dir.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["certificate-keys", "rotate"])
        .env("DATABASE_URL", &app.database_url)
        .env("SHIKAKU_DATA_DIR", &data_dir)
        .env_remove("SHIKAKU_CERT_SIGNING_KEY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (jwks, _) = key_set(&app).await;
    assert_eq!(jwks.keys.len(), 2);
    let new_kid = jwks.keys[0].kid.clone();
    assert_ne!(new_kid, old["kid"].as_str().unwrap());
    assert!(stdout.contains(&new_kid));

    // A server started after the rotation (in place of the first) signs
    // with the new key ...
    app.handle.stop(true).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dir = data_dir.clone();
    let url = app.database_url.clone();
    let restarted = common::spawn_app_on(&url, move |s| s.data_dir = dir).await;
    let reg2 = registered(&restarted, "jiro", "72345678901").await;
    let fresh = certificate(&restarted, "jiro", &reg2).await;
    assert_eq!(fresh["kid"], new_kid.as_str());
    assert_eq!(
        verify(&restarted, fresh["token"].as_str().unwrap()).await["result"],
        "VALID"
    );
    // ... and what the retired key signed stays VALID.
    assert_eq!(
        verify(&restarted, old["token"].as_str().unwrap()).await["result"],
        "VALID"
    );
    let (jwks, _) = key_set(&restarted).await;
    assert_eq!(jwks.keys.len(), 2, "the retired key stays published");
}
