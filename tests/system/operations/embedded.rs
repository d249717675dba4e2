//! The embedded default (no DATABASE_URL): a CLI command beside `serve` uses
//! its private cluster and leaves it running; a second `serve` on the same
//! address says which address is taken and how to choose another, and leaves
//! the first alone; the `serve` that started the cluster stops it.

use super::*;

/// `shikaku` on the private cluster under `data_dir`.
fn embedded(data_dir: &std::path::Path) -> Command {
    let (mut cmd, _) = command("");
    cmd.env_remove("DATABASE_URL")
        .env_remove("SHIKAKU_DATABASE_URL")
        .env("SHIKAKU_DATA_DIR", data_dir);
    cmd
}

async fn ready(http: &reqwest::Client, base: &str) -> StatusCode {
    match http.get(format!("{base}/readyz")).send().await {
        Ok(r) => r.status(),
        Err(_) => StatusCode::BAD_GATEWAY,
    }
}

#[tokio::test]
async fn cli_commands_and_a_second_serve_leave_the_embedded_cluster_alone() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-embedded-{}", uuid::Uuid::new_v4()));
    let mut first = Replica::spawn(embedded(&data_dir), data_dir.clone());
    let http = reqwest::Client::new();
    assert_eq!(ready(&http, &first.base).await, StatusCode::OK);
    let pid_file = data_dir.join("postgres/postmaster.pid");
    assert!(
        pid_file.exists(),
        "the cluster runs under the data directory"
    );

    for args in [&["jobs", "list"][..], &["migrate"][..]] {
        let out = embedded(&data_dir)
            .args(args)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            ready(&http, &first.base).await,
            StatusCode::OK,
            "the server's database outlives `shikaku {args:?}`"
        );
    }

    let address = first.base.trim_start_matches("http://").to_owned();
    let out = embedded(&data_dir)
        .args(["serve", "--bind", &address])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success(), "a second serve on {address} fails");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&address), "names the address: {err}");
    assert!(
        err.contains("SHIKAKU_BIND"),
        "says how to choose another: {err}"
    );
    assert_eq!(ready(&http, &first.base).await, StatusCode::OK);
    let r = http
        .get(format!("{}/v1/registrations", first.base))
        .bearer_auth(token(Role::Examiner, "examiner-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the first still serves");

    first.signal("TERM");
    assert!(first.wait(Duration::from_secs(30)).success());
    assert!(
        !pid_file.exists(),
        "the serve that started the cluster stopped it"
    );
}
