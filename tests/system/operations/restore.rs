//! The backup runbook, run: a base backup (`pg_basebackup`, WAL streamed) of
//! a cluster the product wrote to, restored as a new cluster, serves every
//! case, view and certificate as it was, with the same vault key and
//! certificate signing key.

use shikaku::embedded_pg::EmbeddedPostgres;
use sqlx::PgPool;

use super::cluster::base_backup;
use super::*;
use crate::common::certificates::{certificate, registered, verify};
use crate::common::spawn_app_on;

/// A certificate issued on the cluster at `url` (registration, payment,
/// four-eyes approval) with the signing key `pem`; its token and verdict.
async fn issue_certificate(url: &str, pem: &str) -> (String, Value) {
    let pem = pem.to_owned();
    let app = spawn_app_on(url, |s| s.cert_signing_key = Some(pem.into())).await;
    let reg = registered(&app, "restore-holder", "42000000099").await;
    let cert = certificate(&app, "restore-holder", &reg).await;
    let token = cert["token"].as_str().unwrap().to_owned();
    let verdict = verify(&app, &token).await;
    assert_eq!(verdict["result"], "VALID", "{verdict}");
    app.settle().await;
    app.handle.stop(true).await;
    app.pool.close().await;
    (token, verdict)
}

/// What must come back: every event, the views, the vault's rows.
async fn snapshot(url: &str) -> Vec<String> {
    let pool = PgPool::connect(url).await.unwrap();
    let mut rows = Vec::new();
    for table in [
        "events",
        "registration_status",
        "examiner_queue",
        "my_number_vault",
        "subscription_checkpoints",
    ] {
        let mut got: Vec<String> =
            sqlx::query_scalar(&format!("SELECT t::text FROM {table} t ORDER BY 1"))
                .fetch_all(&pool)
                .await
                .unwrap();
        rows.push(format!("{table}: {}", got.len()));
        rows.append(&mut got);
    }
    pool.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_backup_restores_into_a_new_cluster_with_every_case() {
    let root = std::env::temp_dir().join(format!("shikaku-restore-{}", uuid::Uuid::new_v4()));
    let first = EmbeddedPostgres::start(&root.join("first")).unwrap();
    // The signing key is backed up beside the database, as the runbook says.
    let (_, pem) = ::certificate::SigningKey::generate().unwrap();
    let (cert_token, verdict) = issue_certificate(&first.url, &pem).await;
    let env = [
        ("SHIKAKU_RUN_WORKERS", "true"),
        ("SHIKAKU_CERT_SIGNING_KEY", pem.as_str()),
    ];
    let mut replica = Replica::start(&first.url, &env);
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(submit(&http, &replica.base, &format!("4200000000{n}")).await);
    }
    // Let the views catch up, then stop cleanly: the backup is of a quiet cluster.
    tokio::time::sleep(Duration::from_secs(2)).await;
    replica.signal("TERM");
    assert!(replica.wait(Duration::from_secs(30)).success());
    let before = snapshot(&first.url).await;
    // Three submissions and the registered holder.
    assert!(
        before.contains(&"registration_status: 4".to_owned()),
        "{before:?}"
    );

    // pg_basebackup into the new cluster's directory, as the runbook says.
    let (url, second) = (first.url.clone(), root.join("second"));
    tokio::task::spawn_blocking(move || base_backup(&url, &second, false))
        .await
        .unwrap();
    drop(first);

    let second = EmbeddedPostgres::start(&root.join("second")).unwrap();
    assert_eq!(snapshot(&second.url).await, before, "every row as it was");
    let replica = Replica::start(&second.url, &env);
    for id in &ids {
        let r = http
            .get(format!("{}/v1/registrations/{id}", replica.base))
            .bearer_auth(token(Role::Examiner, "examiner-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{id} is served again");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["id"], json!(id));
    }
    // The certificate issued before the backup verifies as it did.
    let r = http
        .post(format!("{}/v1/certificate-verifications", replica.base))
        .json(&json!({ "token": cert_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["result"], "VALID", "{again}");
    assert_eq!(again["kid"], verdict["kid"]);
    assert_eq!(again["facts"], verdict["facts"]);
    drop(replica);
    drop(second);
    let _ = std::fs::remove_dir_all(&root);
}
