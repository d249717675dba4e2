//! What the data centre sets: migrations left to `shikaku migrate`, secrets
//! from files, JSON logs without colour codes, and `--version`.

use super::*;
use crate::common::fresh_database;

#[tokio::test]
async fn with_migrate_false_serve_waits_for_shikaku_migrate() {
    let url = fresh_database().await;
    let (mut cmd, _dir) = command(&url);
    let out = cmd
        .env("SHIKAKU_MIGRATE", "false")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success(), "refuses an empty schema");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shikaku migrate"), "{err}");

    let (mut cmd, _dir) = command(&url);
    let out = cmd
        .env("SHIKAKU_MIGRATE", "false")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replica = Replica::start(&url, &[("SHIKAKU_MIGRATE", "false")]);
    let r = reqwest::get(format!("{}/readyz", replica.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn secrets_from_files_json_logs_without_colours_and_the_version() {
    let url = fresh_database().await;
    let dir = std::env::temp_dir().join(format!("shikaku-files-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let jwt = dir.join("jwt");
    std::fs::write(&jwt, format!("{JWT_SECRET}\n")).unwrap();
    let log = dir.join("stderr.log");
    let (mut cmd, _data) = command(&url);
    cmd.env_remove("SHIKAKU_JWT_SECRET")
        .env("SHIKAKU_JWT_SECRET_FILE", &jwt)
        .env("SHIKAKU_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(std::fs::File::create(&log).unwrap());
    let mut replica = Replica::spawn(cmd, dir.clone());
    // A token signed with the file's secret is accepted.
    let r = reqwest::Client::new()
        .get(format!("{}/v1/registrations", replica.base))
        .bearer_auth(token(Role::Examiner, "examiner-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    replica.signal("TERM");
    assert!(replica.wait(Duration::from_secs(30)).success());

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains('\u{1b}'), "no ANSI codes in a file");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "request done"
                && l["span"]["path"] == "/v1/registrations"),
        "{text}"
    );
    assert!(lines
        .iter()
        .all(|l| l["level"].is_string() && l["timestamp"].is_string()));

    let out = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("shikaku {}", env!("CARGO_PKG_VERSION"))
    );
}
