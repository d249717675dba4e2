//! The backup runbook, run: a base backup (`pg_basebackup`, WAL streamed) of
//! a cluster the product wrote to, restored as a new cluster, serves every
//! case and view as it was, with the same vault key and signing key.

use shikaku::embedded_pg::EmbeddedPostgres;
use sqlx::PgPool;

use super::*;

/// The newest `pg_basebackup` on the machine.
fn pg_basebackup() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/pg_basebackup"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found
        .pop()
        .expect("Postgres binaries (Debian's postgresql)")
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
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
    let env = [("SHIKAKU_RUN_WORKERS", "true")];
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
    assert!(
        before.contains(&"registration_status: 3".to_owned()),
        "{before:?}"
    );

    // pg_basebackup into the new cluster's directory, as the runbook says.
    let port = first
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    // pg_basebackup makes the directory itself, with the modes Postgres wants.
    let target = root.join("second/postgres");
    std::fs::create_dir_all(root.join("second")).unwrap();
    let mut cmd = if is_root() {
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(root.join("second"))
            .status()
            .unwrap();
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_basebackup());
        c
    } else {
        Command::new(pg_basebackup())
    };
    let out = cmd
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-U",
            "postgres",
            "-X",
            "stream",
            "-c",
            "fast",
            "-D",
        ])
        .arg(&target)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    drop(replica);
    drop(second);
    let _ = std::fs::remove_dir_all(&root);
}
