//! A change of name and a deletion make the wallet credential's status
//! entry INVALID (the re-issue is in `standard_wallet`), and a deleted
//! registration gets no new offer.

use super::*;
use crate::common::certificates::{certificate_when, change};
use crate::common::{problem, spawn_app};

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
