//! Ministry clients for tests: created with the real CLI, tokens from the
//! real token endpoint, and a registered case with a change request.

use std::process::Command;

use domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use super::{answer, my_number, TestApp, VAULT_KEY};

/// `shikaku ministry-clients ...` against the app's database, with the app's
/// vault key (it keys the client secrets' hashes).
pub fn cli_command(app: &TestApp, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shikaku"));
    command
        .arg("ministry-clients")
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("SHIKAKU_VAULT_KEY", VAULT_KEY);
    command
}

/// Runs `shikaku ministry-clients ...`; its output.
pub fn cli(app: &TestApp, args: &[&str]) -> String {
    let out = cli_command(app, args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Creates a client with the CLI; returns (id, secret).
pub fn create_client(app: &TestApp, ministry: &str, scopes: &[&str]) -> (String, String) {
    let mut args = vec!["create", "--ministry", ministry, "--name", "test system"];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let out = cli(app, &args);
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    (field("client_id:"), field("client_secret:"))
}

pub async fn token_response(
    app: &TestApp,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.http
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

pub async fn client_token(app: &TestApp, id: &str, secret: &str) -> String {
    let r = token_response(app, id, secret, &[("grant_type", "client_credentials")]).await;
    let body = answer(r, StatusCode::OK).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// A CARE_WORKER registration (MHLW supervises it) on the register, and a
/// change of name filed against it.
pub async fn registered_with_change(app: &TestApp) -> (String, String) {
    let (id, _) = app
        .registered("hanako", &my_number("30000000001"), "ex-1", "senior-1")
        .await;
    let path = format!("/v1/registrations/{id}");
    app.settle().await;
    let r = app
        .post_as(
            Role::Applicant,
            "hanako",
            &format!("{path}/change-requests"),
            &json!({"kind": "CHANGE_NAME", "reason": "marriage",
                    "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}}),
        )
        .await;
    let cr = answer(r, StatusCode::CREATED).await;
    app.settle().await;
    (id, cr["id"].as_str().unwrap().to_owned())
}
