//! ENDORSEMENT change requests end to end: a certified care worker adds the
//! suctioning endorsement (evidence attached, fee paid, four eyes), the
//! registration, the register entry, the new certificate (JSON, verification,
//! PDF) and the wallet credential carry it, ministries read it in the feed;
//! then it is removed. And every refusal.

mod console;
mod flow;
mod refusals;

use domain::Role;
use reqwest::Response;
use serde_json::{json, Value};

use crate::common::TestApp;

/// The care worker's endorsement in `catalogue/catalogue.json`.
const SUCTION: &str = "SUCTION_AND_TUBE_FEEDING";
/// Its Japanese name there.
const SUCTION_JA: &str = "喀痰吸引等行為（実地研修修了）";
/// Its English name there.
const SUCTION_EN: &str = "Suctioning and tube feeding (practical training completed)";

/// Files an ENDORSEMENT request as `holder` on `registration`.
async fn file(
    app: &TestApp,
    holder: &str,
    registration: &str,
    action: &str,
    code: &str,
    attachments: &[&str],
) -> Response {
    app.post_as(
        Role::Applicant,
        holder,
        &format!("/v1/registrations/{registration}/change-requests"),
        &json!({
            "kind": "ENDORSEMENT",
            "changes": {"endorsement_code": code, "action": action},
            "attachment_ids": attachments,
        }),
    )
    .await
}

/// A filed request (its 201 answer) paid, claimed and approved with four eyes; the change
/// request once the process manager has carried it to the registration.
async fn paid_and_approved(app: &TestApp, filed: Value) -> Value {
    assert_eq!(filed["status"], "AWAITING_PAYMENT");
    let id = filed["id"].as_str().unwrap().to_owned();
    app.pay(&id).await;
    app.claim_and_approve(&format!("/v1/change-requests/{id}"), "ex-end", "sr-end")
        .await;
    app.settle().await;
    app.get_json(
        &format!("/v1/change-requests/{id}"),
        &app.token(Role::Examiner, "viewer"),
    )
    .await
}
