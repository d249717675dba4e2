//! A change of name and a deletion make the wallet credential's status
//! entry INVALID (the re-issue is in `standard_wallet`), and a deleted
//! registration gets no new offer.

use super::*;
use crate::common::certificates::{certificate_when, change};
use crate::common::{problem, spawn_app};

/// Obtains a credential with a wallet key of our own; returns its status list claim.
pub(super) async fn obtain(app: &TestApp, holder: &str, reg: &str) -> Value {
    let offered = offer(app, holder, reg).await;
    let code = tx_code(app, holder).await;
    let token = answer(
        redeem(app, &pre_authorized_code(&offered), &code).await,
        StatusCode::OK,
    )
    .await;
    let key = SigningKey::generate().unwrap().0;
    let n = nonce(app).await;
    let configuration = offered["credential_configuration_id"].as_str().unwrap();
    let r = request_credential(
        app,
        token["access_token"].as_str().unwrap(),
        configuration,
        &proof(&key, &app.base, &n),
    )
    .await;
    let sd = answer(r, StatusCode::OK).await["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload = sd.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&certificate::encoding::unb64(payload).unwrap()).unwrap();
    claims["status"]["status_list"].clone()
}

/// The published status of the credential at `entry`, read from the entries table.
pub(super) async fn entry_status(app: &TestApp, entry: &Value) -> i16 {
    sqlx::query_scalar(
        "SELECT e.status FROM status_list_entries e JOIN status_lists l ON l.id = e.list_id
         WHERE e.idx = $1 AND $2 LIKE '%' || l.path",
    )
    .bind(entry["idx"].as_i64().unwrap() as i32)
    .bind(entry["uri"].as_str().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_change_of_name_and_a_deletion_revoke_the_wallet_credential() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "23345678901").await;
    let first = obtain(&app, "hanako", &reg).await;
    assert_eq!(entry_status(&app, &first).await, 0);

    change(
        &app,
        "hanako",
        &reg,
        json!({"kind": "CHANGE_NAME", "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}}),
    )
    .await;
    certificate_when(&app, "hanako", &reg, |c| {
        c["facts"]["family_name"] == "佐藤"
    })
    .await;
    app.settle().await;
    assert_eq!(
        entry_status(&app, &first).await,
        1,
        "a change of name revokes it"
    );

    let second = obtain(&app, "hanako", &reg).await;
    assert_eq!(entry_status(&app, &second).await, 0);
    change(
        &app,
        "hanako",
        &reg,
        json!({"kind": "DELETE_REGISTRATION", "reason": "HOLDER_REQUEST"}),
    )
    .await;
    app.settle().await;
    assert_eq!(
        entry_status(&app, &second).await,
        1,
        "a deletion revokes it"
    );
    let r = app
        .post_as(
            Role::Applicant,
            "hanako",
            &format!("/v1/registrations/{reg}/credential-offers"),
            &json!({}),
        )
        .await;
    let status = r.status();
    assert!(
        status == StatusCode::CONFLICT || status == StatusCode::NOT_FOUND,
        "{status}"
    );
    let _ = problem(r, status).await;
}
